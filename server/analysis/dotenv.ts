// Names defined in a `.env` file, with where each is defined. Values are skipped, never returned:
// the language server and `check` need to know that a secret exists, not what it is.
import type { Range } from './types';

export interface DotenvName {
  name: string;
  /** The name on its line (0-based, UTF-16). */
  range: Range;
}

const LINE = /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*(?:=|:[ \t])/d;

/** Parses `.env` text: `NAME=value`, `export NAME=value`, comments, quoted (also multi-line) values. */
export function parseDotenv(text: string): DotenvName[] {
  const out: DotenvName[] = [];
  const lines = text.split(/\r?\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = LINE.exec(line);
    if (!m) continue;
    const name = m[1]!;
    const start = m.indices![1]![0];
    out.push({ name, range: { start: { line: i, character: start }, end: { line: i, character: start + name.length } } });
    // A quoted value may continue on the next lines: skip to its closing quote.
    let rest = line.slice(m[0].length).trimStart();
    const q = rest[0];
    if (q !== '"' && q !== "'" && q !== '`') continue;
    rest = rest.slice(1);
    let j = i;
    for (;;) {
      if (closes(rest, q)) break;
      if (++j >= lines.length) break;
      rest = lines[j]!;
    }
    i = j;
  }
  // A later definition wins, as in every dotenv loader.
  const last = new Map<string, DotenvName>();
  for (const n of out) last.set(n.name, n);
  return [...last.values()];
}

function closes(s: string, q: string): boolean {
  for (let k = 0; k < s.length; k++) {
    if (s[k] === '\\' && q === '"') {
      k++;
      continue;
    }
    if (s[k] === q) return true;
  }
  return false;
}
