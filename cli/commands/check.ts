// `capsule-local check [PATH...] [--format text|json] [--store DIR]`: the language server's
// diagnostics for a folder, for terminals and CI. Exit 1 when any error is reported, 2 for a usage
// error or a local state that cannot be read, 3 when the check itself fails, else 0.
import { lstatSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { isUtf8 } from 'node:buffer';
import type { Command } from 'commander';
import type { CapsuleDiagnostic, SourceFile } from '../../server/analysis/index';
import { DEFAULT_STORE_DIR } from '../../emulator/store';
import { UsageError } from '../errors';

const SKIP_DIRS = new Set(['node_modules', '.git', '.venv', 'venv', '__pycache__', '.capsule']);
const MAX_BYTES = 20 * 1024 * 1024;

interface CheckOptions {
  format: string;
  store: string;
}

interface Collected {
  files: SourceFile[];
  notes: string[];
}

function note(out: Collected, path: string, why: string): void {
  out.notes.push(`${path}: ${why}`);
}

/** Reads one candidate `.py` file; problems become notes and the file is skipped or decoded leniently. */
function readSource(abs: string, display: string, out: Collected): void {
  let st: Stats;
  try {
    st = statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    note(out, display, code === 'ENOENT' ? 'skipped: broken symbolic link' : `skipped: cannot read (${code ?? (e as Error).message})`);
    return;
  }
  if (!st.isFile()) {
    note(out, display, 'skipped: not a regular file');
    return;
  }
  if (st.size > MAX_BYTES) {
    note(out, display, `skipped: larger than ${MAX_BYTES / 1024 / 1024} MB`);
    return;
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(abs);
  } catch (e) {
    note(out, display, `skipped: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return;
  }
  if (bytes.includes(0)) {
    note(out, display, 'skipped: binary file (contains NUL bytes), not Python source');
    return;
  }
  if (!isUtf8(bytes)) note(out, display, 'warning: not valid UTF-8; undecodable bytes were replaced and the rest was checked');
  // Editors hide a byte order mark and count positions after it.
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  out.files.push({ path: display, text });
}

function walk(absDir: string, cwd: string, out: Collected, seen: Set<string>): void {
  let entries;
  try {
    entries = readdirSync(absDir, { withFileTypes: true });
  } catch (e) {
    note(out, relative(cwd, absDir) || '.', `skipped: cannot list folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const abs = join(absDir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) walk(abs, cwd, out, seen);
      continue;
    }
    // Symbolic links to folders are not followed (no cycles); links to files are read.
    if (!entry.name.endsWith('.py') || seen.has(abs)) continue;
    seen.add(abs);
    readSource(abs, relative(cwd, abs), out);
  }
}

export function collectSources(paths: string[], cwd: string): Collected {
  const out: Collected = { files: [], notes: [] };
  const seen = new Set<string>();
  for (const p of paths.length ? paths : ['.']) {
    const abs = resolve(cwd, p);
    let st: Stats;
    try {
      st = lstatSync(abs);
    } catch {
      throw new UsageError(`${p}: no such file or folder`);
    }
    if (st.isDirectory()) walk(abs, cwd, out, seen);
    else if (!seen.has(abs)) {
      seen.add(abs);
      readSource(abs, relative(cwd, abs), out);
    }
  }
  return out;
}

/**
 * The other `.py` files beside explicitly named files: an app may span its folder (`from app
 * import app`), so they are analysed with it, but only the named files are reported on.
 */
function contextSources(paths: string[], cwd: string, already: Set<string>): SourceFile[] {
  const out: Collected = { files: [], notes: [] };
  const seen = new Set<string>();
  for (const p of paths) {
    const abs = resolve(cwd, p);
    if (lstatSync(abs).isDirectory()) continue;
    const dir = dirname(abs);
    if (seen.has(dir)) continue;
    seen.add(dir);
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.py')).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      const file = join(dir, n);
      if (!already.has(relative(cwd, file))) readSource(file, relative(cwd, file), out);
    }
  }
  return out.files;
}

/** Exit status of a check that failed itself (1 means errors were found, 2 a usage error). */
export const INTERNAL_ERROR = 3;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The last line in text mode: `3 files checked: 1 error, 2 warnings` (and other severities when present). */
export function summaryLine(files: number, diagnostics: CapsuleDiagnostic[]): string {
  const count = (s: string) => diagnostics.filter((d) => d.severity === s).length;
  const notes = count('information') + count('hint');
  return `${plural(files, 'file')} checked: ${plural(count('error'), 'error')}, ${plural(count('warning'), 'warning')}${notes ? `, ${plural(notes, 'note')}` : ''}`;
}

export function formatText(d: CapsuleDiagnostic): string {
  return `${d.path}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity} ${d.code} ${d.message}`;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description("Report the language server's diagnostics for the Capsule apps under PATH (default: the current folder).")
    .argument('[paths...]', 'files or folders to check')
    .option('--format <format>', 'text or json', 'text')
    .option('--store <dir>', 'the store folder whose secrets and channels count as defined', DEFAULT_STORE_DIR)
    .action(async (paths: string[], opts: CheckOptions) => {
      if (opts.format !== 'text' && opts.format !== 'json') {
        throw new UsageError(`--format must be "text" or "json", not "${opts.format}"`);
      }
      // Loaded here, not at the top: the analysis (and its parser tables) is for this command only.
      const { analyzeWorkspace } = await import('../../server/analysis/index');
      const { readCheckState } = await import('../local-state');
      const cwd = process.cwd();
      const { files, notes } = collectSources(paths, cwd);
      const local = readCheckState(opts.store, cwd);
      for (const n of [...notes, ...local.problems]) process.stderr.write(`capsule-local check: ${n}\n`);
      const named = new Set(files.map((f) => f.path));
      let diagnostics: CapsuleDiagnostic[];
      try {
        const context = contextSources(paths, cwd, named);
        diagnostics = analyzeWorkspace([...files, ...context], local.state).diagnostics.filter((d) => named.has(d.path));
      } catch (e) {
        // A failure of the check itself, not a finding: its own status, so CI does not read it as
        // "errors found" (a file the analysis fails on is reported as capsule/analysis-failed).
        process.stderr.write(`capsule-local check: internal error, nothing was checked: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exitCode = INTERNAL_ERROR;
        return;
      }
      if (opts.format === 'json') {
        const out = diagnostics.map((d) => ({ file: d.path, range: d.range, severity: d.severity, code: d.code, message: d.message }));
        process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      } else {
        for (const d of diagnostics) process.stdout.write(formatText(d) + '\n');
        process.stdout.write(summaryLine(files.length, diagnostics) + '\n');
      }
      process.exitCode = local.incomplete ? 2 : diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
    });
}
