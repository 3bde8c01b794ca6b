import { clientFields } from "../c8y/client-fields";
import { invalidRequest, tooLarge } from "../errors";
import { parseJsonObject } from "../http/json";
import { storedContentType } from "../http/media-type";

/** What an upload will become: the managed object's fields, or the binary whose bytes it replaces. */
export interface ResumableIntent {
  name?: string;
  type?: string;
  contentType?: string;
  fragments: Record<string, unknown>;
  /** Set for a resumable replace (PUT semantics on that binary). */
  binaryId?: number;
}

/**
 * Maps tus Upload-Metadata to the managed object (docs/api.md#resumable-uploads): `filename` or `name` -> name,
 * `filetype` -> contentType (and the default type), `type` -> type, `object` -> base64 JSON managed
 * object with fragments (as the multipart `object` part), `binaryId` -> replace that binary.
 * Explicit keys win over the same fields inside `object`; other keys are kept only for HEAD.
 */
export function intentFromMetadata(metadata: Map<string, string>, maxJsonSize: number): ResumableIntent {
  const intent: ResumableIntent = { fragments: {} };
  const object = metadata.get("object");
  if (object !== undefined) {
    if (object.length > maxJsonSize) throw tooLarge(`The 'object' metadata is larger than ${maxJsonSize} bytes.`);
    const fields = clientFields(parseJsonObject(object, "The 'object' metadata"));
    intent.name = fields.name;
    intent.type = fields.type;
    intent.fragments = fields.fragments;
  }
  const name = metadata.get("filename") ?? metadata.get("name");
  if (name !== undefined) intent.name = name;
  const filetype = metadata.get("filetype");
  // A label, not a gate (docs/api.md#upload-post): stored as sent when printable, else application/octet-stream.
  if (filetype !== undefined && filetype !== "") intent.contentType = storedContentType(filetype);
  const type = metadata.get("type");
  if (type !== undefined) intent.type = type;
  const binaryId = metadata.get("binaryId");
  if (binaryId !== undefined) {
    if (!/^\d{1,15}$/.test(binaryId)) throw invalidRequest("'binaryId' must be a managed object id.");
    intent.binaryId = Number(binaryId);
  }
  return intent;
}

/** The file name of a `Content-Disposition` header (`filename*=UTF-8''…` preferred), if any. */
export function filenameOf(contentDisposition: string | undefined): string | undefined {
  if (!contentDisposition) return undefined;
  const extended = /filename\*\s*=\s*UTF-8''([^;\s]+)/i.exec(contentDisposition);
  if (extended?.[1]) {
    try {
      return decodeURIComponent(extended[1]);
    } catch {
      throw invalidRequest("Content-Disposition has a malformed filename*.");
    }
  }
  const quoted = /filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(contentDisposition);
  if (quoted?.[1] !== undefined) return quoted[1].replace(/\\(.)/g, "$1");
  return /filename\s*=\s*([^;\s]+)/i.exec(contentDisposition)?.[1];
}
