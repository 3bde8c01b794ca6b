// tus-js-client's Node build exports FileUrlStorage, but its type definitions do not declare it.
import type { UrlStorage } from "tus-js-client";

declare module "tus-js-client" {
  export class FileUrlStorage implements UrlStorage {
    constructor(path: string);
    findAllUploads(): Promise<PreviousUpload[]>;
    findUploadsByFingerprint(fingerprint: string): Promise<PreviousUpload[]>;
    removeUpload(urlStorageKey: string): Promise<void>;
    addUpload(fingerprint: string, upload: PreviousUpload): Promise<string>;
  }
}
