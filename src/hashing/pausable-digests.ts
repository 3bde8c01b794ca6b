/**
 * hashing/: MD5 and SHA-256 in plain JS whose running state can be saved and restored, so a digest can span
 * the many requests of a resumable upload (md5.ts, sha256.ts); this file keeps an upload's digests together.
 */
import { Md5, type Md5State } from "./md5";
import { Sha256, type Sha256State } from "./sha256";

/** The saved state of an upload's whole-file digests: MD5 always, SHA-256 when the client asked. */
export interface DigestStates {
  md5: Md5State;
  sha256?: Sha256State;
}

/**
 * Whole-file digests carried across requests (docs/api.md#resumable-uploads): saved in D1 after every committed
 * part, restored by the next request, so the digest of a multipart object is known at completion
 * without reading it back.
 */
export class PausableDigests {
  private constructor(
    private readonly md5: Md5,
    private readonly sha256: Sha256 | undefined,
  ) {}

  static start(withSha256: boolean): DigestStates {
    return { md5: new Md5().save(), sha256: withSha256 ? new Sha256().save() : undefined };
  }

  static restore(states: DigestStates): PausableDigests {
    return new PausableDigests(Md5.restore(states.md5), states.sha256 ? Sha256.restore(states.sha256) : undefined);
  }

  update(bytes: Uint8Array): void {
    this.md5.update(bytes);
    this.sha256?.update(bytes);
  }

  save(): DigestStates {
    return { md5: this.md5.save(), sha256: this.sha256?.save() };
  }

  digest(): Record<string, Uint8Array> {
    const out: Record<string, Uint8Array> = { md5: this.md5.digest() };
    if (this.sha256) out["sha-256"] = this.sha256.digest();
    return out;
  }
}
