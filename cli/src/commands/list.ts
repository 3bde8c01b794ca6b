import { formatBytes } from "../../../client/format";
import { type BinaryObject, md5HexOf } from "../../../client/managed-object";
import type { CommandContext } from "../context";
import { formatTable } from "../table";
import { binaries } from "../words";

export interface ListOptions {
  type?: string;
  text?: string;
  owner?: string;
  pageSize: number;
  page: number;
  all?: boolean;
  json?: boolean;
}

/** `list`: one page (or --all pages) as a table, or the managed objects as a JSON array. */
export async function listCommand(ctx: CommandContext, options: ListOptions): Promise<void> {
  const items: BinaryObject[] = [];
  let currentPage = options.page;
  let footer = "";
  for (;;) {
    const page = await ctx.client.list({
      pageSize: options.pageSize,
      currentPage,
      type: options.type,
      text: options.text,
      owner: options.owner,
    });
    items.push(...page.items);
    const of = page.totalPages !== undefined ? ` of ${Math.max(page.totalPages, 1)}` : "";
    const count = page.totalElements !== undefined ? `, ${binaries(page.totalElements)}` : "";
    footer = `page ${page.currentPage}${of}${count}`;
    if (!options.all || !page.hasNext || page.items.length === 0) break;
    currentPage++;
  }
  if (options.json) {
    ctx.out(JSON.stringify(items, null, 2));
    return;
  }
  const rows = items.map((item) => [
    item.id,
    item.name,
    item.type,
    formatBytes(item.length),
    item.owner,
    item.lastUpdated,
    md5HexOf(item),
  ]);
  ctx.out(formatTable(["ID", "NAME", "TYPE", "SIZE", "OWNER", "LAST UPDATE", "MD5"], rows));
  if (!options.all) ctx.err(footer);
}
