/** A mistake in how the command was called (exit code 2), as opposed to a failure while running it (1). */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The user pressed Ctrl-C (exit code 130, as shells report SIGINT). */
export class InterruptedError extends Error {
  override name = "InterruptedError";
}
