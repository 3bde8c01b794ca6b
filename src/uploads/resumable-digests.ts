import SparkMD5 from "spark-md5";
import { Sha256, type Sha256State } from "./sha256";

/** The saved state of an upload's whole-file digests: MD5 always, SHA-256 when the client asked. */
export interface DigestStates {
  md5: SparkMD5.State;
  sha256?: Sha256State;
}

function binaryStringBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/**
 * Whole-file digests carried across requests. MD5 is spark-md5's (its ArrayBuffer hasher can
 * save and restore its state); SHA-256 is ours (no maintained pure-JS library exposes its state).
 */
export class ResumableDigests {
  private constructor(
    private readonly md5: SparkMD5.ArrayBuffer,
    private readonly sha256: Sha256 | undefined,
  ) {}

  static start(withSha256: boolean): DigestStates {
    return { md5: new SparkMD5.ArrayBuffer().getState(), sha256: withSha256 ? new Sha256().save() : undefined };
  }

  static restore(states: DigestStates): ResumableDigests {
    const md5 = new SparkMD5.ArrayBuffer();
    // setState converts the saved string in place, so hand it a copy.
    md5.setState({ ...states.md5 });
    return new ResumableDigests(md5, states.sha256 ? Sha256.restore(states.sha256) : undefined);
  }

  update(bytes: Uint8Array): void {
    // spark-md5 copies what it is given into its own buffer, so a view is fine despite its typings.
    this.md5.append(bytes as unknown as ArrayBuffer);
    this.sha256?.update(bytes);
  }

  save(): DigestStates {
    return { md5: this.md5.getState(), sha256: this.sha256?.save() };
  }

  digest(): Record<string, Uint8Array> {
    const out: Record<string, Uint8Array> = { md5: binaryStringBytes(this.md5.end(true)) };
    if (this.sha256) out["sha-256"] = this.sha256.digest();
    return out;
  }
}
