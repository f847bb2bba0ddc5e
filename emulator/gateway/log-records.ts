// An app's output as the event log keeps it: one event per logical record. A Python traceback
// (with the line that introduces it, such as "cpsl: the message handler raised (…):", and the
// tracebacks chained to it) is one event holding its lines, not a dozen rows that a newest-first
// log shows upside down. Lines arrive one by one; a record is complete at the first line that
// cannot belong to it, or after `quietMs` without output.

const TRACEBACK = /^Traceback \(most recent call last\):\s*$/;
const CHAINED = /^(During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:)\s*$/;

interface Open {
  lines: string[];
  /** A traceback has started (else the record is only a line ending with ':' so far). */
  trace: boolean;
  /** The exception line was seen: only a blank line or a chained traceback may follow. */
  ended: boolean;
  /** "During handling of the above exception…" was seen: the next traceback belongs too. */
  chained: boolean;
  timer: NodeJS.Timeout;
}

export class LogRecords {
  private readonly open = new Map<string, Open>();

  constructor(
    private readonly record: (key: string, lines: string[]) => void,
    private readonly quietMs = 100,
  ) {}

  /** One line of the output `key` (a process's stream). */
  line(key: string, line: string): void {
    const g = this.open.get(key);
    if (g) {
      if (belongs(g, line)) {
        g.lines.push(line);
        g.timer.refresh();
        return;
      }
      this.flush(key);
    }
    if (TRACEBACK.test(line) || /:\s*$/.test(line)) {
      const timer = setTimeout(() => this.flush(key), this.quietMs);
      timer.unref();
      this.open.set(key, { lines: [line], trace: TRACEBACK.test(line), ended: false, chained: false, timer });
    } else this.record(key, [line]);
  }

  /** Ends the open record of `key` (every key when none is given). */
  flush(key?: string): void {
    for (const k of key === undefined ? [...this.open.keys()] : [key]) {
      const g = this.open.get(k);
      if (!g) continue;
      clearTimeout(g.timer);
      this.open.delete(k);
      // Blank lines after the exception line belong to nobody.
      while (g.lines.length > 1 && g.lines.at(-1)!.trim() === '') g.lines.pop();
      this.record(k, g.lines);
    }
  }
}

function belongs(g: Open, line: string): boolean {
  if (TRACEBACK.test(line)) {
    // The traceback a header line announced, or one chained to the previous one.
    if (g.trace && !g.chained) return false;
    g.trace = true;
    g.ended = false;
    g.chained = false;
    return true;
  }
  if (!g.trace) return false;
  if (!g.ended) {
    // Frames and source lines are indented; the first line that is not is the exception.
    if (line === '' || /^\s/.test(line)) return true;
    g.ended = true;
    return true;
  }
  if (CHAINED.test(line)) g.chained = true;
  return line.trim() === '' || CHAINED.test(line);
}

/** What the event log shows for a record: the line itself, or the introduction and the error. */
export function recordSummary(lines: string[]): string {
  if (lines.length === 1) return lines[0]!;
  const error = [...lines].reverse().find((l) => l.trim() && !/^\s/.test(l) && !TRACEBACK.test(l) && !CHAINED.test(l)) ?? lines.at(-1)!;
  const intro = TRACEBACK.test(lines[0]!) ? '' : `${lines[0]!.trim()} `;
  return `${intro}${error}`;
}
