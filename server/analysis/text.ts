// Offsets in the analysis are JavaScript string indices, i.e. UTF-16 code units, which is also
// what LSP positions count, so converting is only a matter of finding line starts.
import type { Position, Range } from './types';

export class LineIndex {
  private readonly starts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo]! };
  }

  offsetAt(position: Position): number {
    if (position.line < 0) return 0;
    if (position.line >= this.starts.length) return this.text.length;
    const start = this.starts[position.line]!;
    const next = position.line + 1 < this.starts.length ? this.starts[position.line + 1]! - 1 : this.text.length;
    // A position past the end of its line (or on the "\r" of "\r\n") stays on that line.
    const end = next > start && this.text[next - 1] === '\r' && position.line + 1 < this.starts.length ? next - 1 : next;
    return Math.min(start + Math.max(0, position.character), Math.max(start, end));
  }

  range(from: number, to: number): Range {
    return { start: this.positionAt(from), end: this.positionAt(to) };
  }
}

export function offsetToPosition(text: string, offset: number): Position {
  return new LineIndex(text).positionAt(offset);
}

export function positionToOffset(text: string, position: Position): number {
  return new LineIndex(text).offsetAt(position);
}
