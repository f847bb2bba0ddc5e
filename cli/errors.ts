/** A mistake in how the command was called: exit status 2. */
export class UsageError extends Error {}

/** A clear failure the user can act on (missing store, emulator not running...). */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}
