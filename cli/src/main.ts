/**
 * c8y-binaries: the binaries API from the command line.
 *
 * Exit codes: 0 done; 1 the operation failed (the API's message is printed); 2 the command was
 * called wrongly (unknown option, missing settings, unreadable file); 130 interrupted by Ctrl-C
 * (an upload or download then resumes when the same command is run again), whatever the command was doing.
 */

import { readFileSync } from "node:fs";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { downloadCommand, downloadZipCommand } from "./commands/download";
import { listCommand } from "./commands/list";
import { loginCommand, logoutCommand } from "./commands/login";
import { getCommand, linkCommand, replaceCommand, rmCommand } from "./commands/simple";
import { uploadCommand } from "./commands/upload";
import { type CommandContext, createContext } from "./context";
import { describeFailure } from "./failure";
import type { GlobalOptions } from "./settings";
import { InterruptedError, UsageError } from "./usage-error";

const interrupt = new AbortController();

/** The package's version (package.json sits two folders above cli/dist/ and cli/src/). */
function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string })
      .version;
  } catch {
    return "unknown";
  }
}

/** `--expires`: seconds, or a number with s, m, h or d (90m, 12h, 7d). */
function duration(value: string): number {
  const match = /^(\d+)\s*([smhd]?)$/i.exec(value.trim());
  const n = Number(match?.[1]);
  if (!match || n < 1) throw new InvalidArgumentError("expected seconds, or a number with s, m, h or d (e.g. 12h, 7d)");
  return n * ({ "": 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2]?.toLowerCase() ?? ""] ?? 1);
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError("expected a whole number of at least 1");
  return n;
}

function binaryId(value: string): string {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("expected a numeric binary id");
  return value;
}

const program = new Command("c8y-binaries")
  .description("Upload, download and manage files in a Cumulocity binaries store.")
  .addOption(new Option("--url <url>", "service URL").env("C8Y_BASEURL"))
  .addOption(new Option("--tenant <tenant>", "tenant id").env("C8Y_TENANT"))
  .addOption(new Option("--user <user>", "user name").env("C8Y_USER"))
  .addOption(new Option("--password <password>", "password").env("C8Y_PASSWORD"))
  .addOption(new Option("--token <token>", "a token from the token login (instead of the password)").env("C8Y_TOKEN"))
  .option("--no-progress", "no progress bar")
  .version(version(), "-v, --version", "print the version")
  .showHelpAfterError("(add --help for usage)")
  .exitOverride();

/** Runs a command body with the settings resolved; maps failures to messages and exit codes. */
function action<A extends unknown[]>(body: (ctx: CommandContext, ...args: A) => Promise<void>) {
  return async (...args: A) => {
    const ctx = createContext(program.opts<GlobalOptions & { progress?: boolean }>(), interrupt.signal);
    await body(ctx, ...args);
  };
}

program
  .command("upload")
  .description("upload a file (resumable: after Ctrl-C or a dropped connection, run the same command again)")
  .argument("<file>", "the file to upload")
  .option("--name <name>", "the binary's name (default: the file name)")
  .option("--type <type>", "the managed object's type (default: the content type)")
  .option("--content-type <type>", "the bytes' media type (default: from the file name, as browsers do)")
  .option("--chunk-size <MiB>", "MiB per request", positiveInt, 10)
  .option("--json", "print the created managed object instead of its id")
  .action(
    action(
      (
        ctx,
        file: string,
        options: { name?: string; type?: string; contentType?: string; chunkSize: number; json?: boolean },
      ) => uploadCommand(ctx, file, options),
    ),
  );

program
  .command("download")
  .description(
    "download a binary (an interrupted download resumes when run again); several ids: one zip of all of them",
  )
  .argument("<id...>", "binary ids", (value: string, previous: string[] = []) => [...previous, binaryId(value)])
  .option("-o, --output <file>", "where to save it (default: the binary's name; several: binaries.zip)")
  .option("-f, --force", "overwrite an existing file")
  .action(
    action((ctx, ids: string[], options: { output?: string; force?: boolean }) =>
      ids.length === 1 && ids[0] ? downloadCommand(ctx, ids[0], options) : downloadZipCommand(ctx, ids, options),
    ),
  );

program
  .command("list")
  .description("list binaries")
  .option("--type <type>", "only this type")
  .option("--text <text>", "only names containing this text")
  .option("--owner <user>", "only binaries of this owner")
  .option("--page-size <n>", "binaries per page", positiveInt, 25)
  .option("--page <n>", "page number", positiveInt, 1)
  .option("--all", "every page")
  .option("--json", "JSON array of the managed objects instead of a table")
  .action(action((ctx, options: Parameters<typeof listCommand>[1]) => listCommand(ctx, options)));

program
  .command("get")
  .description("print a binary's managed object (JSON)")
  .argument("<id>", "binary id", binaryId)
  .action(action((ctx, id: string) => getCommand(ctx, id)));

program
  .command("replace")
  .description("replace a binary's bytes")
  .argument("<id>", "binary id", binaryId)
  .argument("<file>", "the new content")
  .option("--content-type <type>", "the bytes' media type (default: the binary's current one)")
  .option("--if-match <etag>", "only if the binary still has this ETag (412 otherwise)")
  .option("--json", "print the managed object instead of its id")
  .action(
    action((ctx, id: string, file: string, options: { contentType?: string; ifMatch?: string; json?: boolean }) =>
      replaceCommand(ctx, id, file, options),
    ),
  );

program
  .command("rm")
  .description("delete binaries")
  .argument("<id...>", "binary ids", (value: string, previous: string[] = []) => [...previous, binaryId(value)])
  .option("--if-match <etag>", "only if the binary still has this ETag (412 otherwise)")
  .action(action((ctx, ids: string[], options: { ifMatch?: string }) => rmCommand(ctx, ids, options)));

program
  .command("link")
  .description("create a signed download link that needs no login")
  .argument("<id>", "binary id", binaryId)
  .option("--expires <duration>", "validity: seconds, or 90m, 12h, 7d (server default 1 h, at most 7 days)", duration)
  .option("--json", "print the link as JSON (url, expiry)")
  .action(action((ctx, id: string, options: { expires?: number; json?: boolean }) => linkCommand(ctx, id, options)));

program
  .command("login")
  .description("log in once: save a token (file readable only by you) that later commands use instead of the password")
  .action(() => loginCommand(program.opts<GlobalOptions>(), (line) => process.stdout.write(`${line}\n`)));

program
  .command("logout")
  .description("end the saved token's session on the server and delete the token file")
  .action(() => logoutCommand((line) => process.stdout.write(`${line}\n`)));

process.on("SIGINT", () => {
  if (interrupt.signal.aborted) process.exit(130); // a second Ctrl-C: stop at once
  interrupt.abort();
  // Transfers stop cleanly within moments; a command waiting on anything else ends here.
  setTimeout(() => {
    process.stderr.write("\nInterrupted.\n");
    process.exit(130);
  }, 3_000).unref();
});

/** The configured service URL, for messages. */
function serverOf(): string {
  return process.env.C8Y_BASEURL ?? process.env.C8Y_HOST ?? "the configured URL";
}

try {
  await program.parseAsync(process.argv);
  if (interrupt.signal.aborted) process.exitCode = 130;
} catch (error) {
  if (error instanceof CommanderError) {
    // --help and --version exit 0; commander has already printed usage errors.
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (error instanceof InterruptedError || interrupt.signal.aborted) {
    // Every failure after Ctrl-C is the interruption (an aborted fetch, a closed stream).
    process.stderr.write(`\n${error instanceof InterruptedError ? error.message : "Interrupted."}\n`);
    process.exitCode = 130;
  } else if (error instanceof UsageError) {
    process.stderr.write(`c8y-binaries: ${error.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`c8y-binaries: ${describeFailure(error, program.opts<GlobalOptions>().url ?? serverOf())}\n`);
    process.exitCode = 1;
  }
}
