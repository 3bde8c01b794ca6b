/// <reference types="node" />
import type { BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";

/**
 * What the page's scripts could read after a cookie-flow login (docs/api.md#token-login): every
 * sessionStorage and localStorage value and `document.cookie`. None may hold the password or the
 * token (the HttpOnly `authorization` cookie, read here through the browser context, which scripts
 * cannot do). Returns the token, so a test can show that the server ends it at logout.
 */
export async function expectNoSecretReadableByScripts(page: Page, context: BrowserContext, password: string) {
  const cookies = await context.cookies();
  const tokenCookie = cookies.find((cookie) => cookie.name === "authorization");
  expect(tokenCookie?.httpOnly).toBe(true);
  expect(tokenCookie?.sameSite).toBe("Strict");
  const token = tokenCookie!.value;
  expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  const documentCookie = await page.evaluate<string>("document.cookie");
  const storage = await page.evaluate(() => {
    const values: string[] = [];
    for (const storage of [sessionStorage, localStorage]) {
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i)!;
        values.push(key, storage.getItem(key) ?? "");
      }
    }
    return values;
  });
  const readable = [documentCookie, ...storage];
  const base64Password = Buffer.from(password).toString("base64");
  for (const value of readable) {
    expect(value).not.toContain(password);
    expect(value).not.toContain(base64Password.replace(/=+$/, ""));
    expect(value).not.toContain(token);
    // Not even a part of the token (say, its signature).
    expect(value).not.toContain(token.split(".")[2]);
  }
  expect(readable[0]).toContain("XSRF-TOKEN=");
  return token;
}
