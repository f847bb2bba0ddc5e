// The CLI's standard output and error once the reader is gone (`serve ... | head -3`, a closed
// terminal). Node reports a write to a closed pipe as an 'error' event; unhandled, it becomes an
// uncaught exception whose report is written to stderr, which fails the same way: a loop that
// kept `serve` at full CPU, answering nothing and ignoring SIGTERM. A closed stream is a reader's
// choice, not an error of the command: it is dropped quietly and the command keeps working.
const closed = new Set<NodeJS.WriteStream>();
let installed = false;

/** Installs the handlers for stdout and stderr (once). */
export function toleratePipeClose(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => {
      // Every error of a standard stream means the same here: nothing more can be written to it.
      // A destroyed stream reports later writes through their callbacks only, so this runs once.
      closed.add(stream);
    });
  }
}

/** Whether the reader of `stream` has gone away (writes to it are dropped). */
export function isClosed(stream: NodeJS.WriteStream): boolean {
  return closed.has(stream);
}
