// Errors a user can act on. Each message names the file, what is wrong and what to do, so the CLI,
// the language server and the emulator can show it as is.

export type StoreErrorCode = 'corrupt' | 'too-new' | 'locked' | 'io';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    readonly file: string,
    message: string,
    /** For 'corrupt': what is wrong, without the advice (for messages that wrap it). */
    readonly problem?: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export function corruptStore(file: string, problem: string): StoreError {
  return new StoreError(
    'corrupt',
    file,
    `${file} is not a valid Capsule Local store: ${problem}. It was left untouched. ` +
      `Move it away (for example to ${file}.broken) and restore your state with ` +
      '`capsule-local import EXPORT.json`, or delete it to start with an empty store.',
    problem,
  );
}

export function storeTooNew(file: string, found: number, supported: number): StoreError {
  return new StoreError(
    'too-new',
    file,
    `${file} has schema version ${found}, but this Capsule Local reads up to version ${supported}: ` +
      'it was written by a newer Capsule Local. It was left untouched. Update Capsule Local, or ' +
      'move the file away to start with an empty store.',
  );
}

export function storeLocked(file: string, holder: string, waitedMs: number): StoreError {
  return new StoreError(
    'locked',
    file,
    `the store is busy: ${holder} kept ${file} locked for writing, gave up after ${waitedMs} ms. ` +
      'Try again; if it keeps happening, stop the other Capsule Local processes of this workspace.',
  );
}
