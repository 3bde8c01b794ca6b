import { ApiError, invalidRequest, notFound } from "../errors";

/** Whether the Accept header asks for JSON (then POST and PUT return the managed object). */
export function acceptsJson(accept: string | undefined): boolean {
  return accept !== undefined && /json/i.test(accept);
}

/** A managed object id from a path segment; anything but a decimal number is a 404 (SPEC §1). */
export function parseId(text: string | undefined): number {
  if (!text || !/^\d{1,15}$/.test(text)) throw notFound("Managed object");
  return Number(text);
}

/** A Content-Length header as a number; undefined when absent. */
export function contentLength(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  if (!/^\d{1,16}$/.test(header.trim())) throw invalidRequest("Invalid Content-Length.");
  return Number(header);
}

/** Reads a request body as text, refusing (413) more than `max` bytes without buffering them. */
export async function readTextCapped(body: ReadableStream<Uint8Array> | null, max: number): Promise<string> {
  if (!body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      size += read.value.length;
      if (size > max) throw new ApiError(413, "inventory/Payload Too Large", `The body is larger than ${max} bytes.`);
      chunks.push(read.value);
    }
  } finally {
    reader.releaseLock();
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(all);
}

/** A handler for a path's unsupported methods: 405 in the error shape, with Allow. */
export function methodNotAllowed(allow: string) {
  return () => {
    throw new ApiError(405, "general/Method Not Allowed", `Allowed methods: ${allow}.`, { Allow: allow });
  };
}
