/// <reference types="node" />
/**
 * globalSetup of the end-to-end suite (vitest.e2e.config.mts).
 *
 * Why: the workerd-based unit tests never go over a real socket, so they cannot show that an
 * unmodified official client works against the service. This starts the real local service the
 * way a user would (`scripts/start.mjs`, i.e. local D1 migrations + `wrangler dev`) on a free
 * port and an empty state directory (so every run starts from an empty database), waits until it
 * answers, hands its base URL to the tests via `provide`, and at teardown kills the whole process
 * group (node, wrangler, esbuild, workerd) and removes the state directory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { type ServiceProcess, startService } from "./service-process";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    /** The process group leader of the service, to find its workerd processes (memory checks). */
    servicePid: number;
  }
}

export default async function setup(project: TestProject) {
  const persistTo = mkdtempSync(join(tmpdir(), "c8y-e2e-"));
  // The signing key of signed links is passed explicitly, so an older local .dev.vars without it still works.
  const linkKeys = [
    "--var",
    "LINK_SIGNING_KEYS:e2e:e2e-link-signing-secret-0123456789",
    "--var",
    "TOKEN_SIGNING_KEYS:e2e:e2e-token-signing-secret-0123456789",
  ];
  let service: ServiceProcess;
  try {
    service = await startService({ root: project.config.root, persistTo, args: linkKeys });
  } catch (error) {
    rmSync(persistTo, { recursive: true, force: true });
    throw error;
  }
  const { baseUrl } = service;
  project.provide("baseUrl", baseUrl);
  project.provide("servicePid", service.pid);

  return async () => {
    await service.stop();
    rmSync(persistTo, { recursive: true, force: true });
  };
}
