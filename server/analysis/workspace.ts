// The entry point: a workspace's files + local state -> app model + diagnostics. Per-file work is
// cached by (path, text) in an AnalysisCache, so after an edit only the edited file is re-parsed
// (incrementally, reusing its previous tree) and only the cheap cross-file linking runs again.
import type { Tree } from '@lezer/common';
import type { CapsuleDiagnostic, LocalState, SourceFile, WorkspaceAnalysis } from './types';
import type { FileSummary } from './model-types';
import { parsePython, type ParsedText } from './parse';
import { summarizeFile } from './summary';
import { ModuleIndex } from './modules';
import { linkAndCheck } from './workspace-checks';
import { EMPTY_TREE, failedSummary, failureDiagnostic } from './failure';

interface Entry {
  parsed: ParsedText;
  summary: FileSummary;
}

export class AnalysisCache {
  private readonly entries = new Map<string, Entry>();
  /** The last linking, reused while neither a file nor the state changed. */
  last?: { summaries: FileSummary[]; state: LocalState; result: WorkspaceAnalysis };

  /** Parses and summarises a file, reusing the cached result or the previous tree of that path. */
  file(path: string, text: string): Entry {
    const old = this.entries.get(path);
    if (old && old.parsed.text === text) return old;
    let parsed: ParsedText | undefined;
    let entry: Entry;
    try {
      parsed = parsePython(text, old?.parsed);
      entry = { parsed, summary: summarizeFile(path, text, parsed.tree, parsed.cutAt) };
    } catch (e) {
      // Never lets one file stop the analysis of the others (see failure.ts).
      parsed ??= { text, tree: EMPTY_TREE, fragments: [] };
      entry = { parsed, summary: failedSummary(path, text, e) };
    }
    this.entries.set(path, entry);
    return entry;
  }

  /** The syntax tree of a file's current text (parsed on demand). */
  tree(path: string, text: string): Tree {
    return this.file(path, text).parsed.tree;
  }

  summary(path: string, text: string): FileSummary {
    return this.file(path, text).summary;
  }

  /** The last known summary of a path, without text (undefined when never analysed). */
  peek(path: string): FileSummary | undefined {
    return this.entries.get(path)?.summary;
  }

  delete(path: string): void {
    this.entries.delete(path);
  }

  /** Drops entries of files no longer in the workspace. */
  retain(paths: Set<string>): void {
    for (const p of this.entries.keys()) if (!paths.has(p)) this.entries.delete(p);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Files that import cpsl, or import (directly or not) a workspace module that does. */
export function relevantFiles(summaries: FileSummary[], modules: ModuleIndex): FileSummary[] {
  const relevant = new Set<FileSummary>(summaries.filter((s) => s.importsCpsl));
  const importers = new Map<FileSummary, FileSummary[]>();
  for (const s of summaries) {
    for (const m of modules.importsOf(s)) {
      const list = importers.get(m) ?? [];
      list.push(s);
      importers.set(m, list);
    }
  }
  const queue = [...relevant];
  while (queue.length) {
    const m = queue.pop()!;
    for (const s of importers.get(m) ?? []) {
      if (!relevant.has(s)) {
        relevant.add(s);
        queue.push(s);
      }
    }
  }
  return summaries.filter((s) => relevant.has(s));
}

/**
 * The relevant files and every workspace file they import, directly or not: a syntax error in any
 * of them stops the app's import (`from helpers import x` fails when helpers.py does not parse).
 */
function importedByApps(relevant: FileSummary[], modules: ModuleIndex): Set<FileSummary> {
  const out = new Set(relevant);
  const queue = [...relevant];
  while (queue.length) {
    for (const m of modules.importsOf(queue.pop()!)) {
      if (!out.has(m)) {
        out.add(m);
        queue.push(m);
      }
    }
  }
  return out;
}

function compareDiagnostics(a: CapsuleDiagnostic, b: CapsuleDiagnostic): number {
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/**
 * Analyses a whole workspace. Pass the same `cache` on every call (the language server keeps one)
 * so that unchanged files are not parsed again; without one every file is parsed. While no file
 * text and not the state object changed, the previous result is returned as is (treat it as
 * read-only).
 */
export function analyzeWorkspace(files: SourceFile[], state: LocalState, cache: AnalysisCache = new AnalysisCache()): WorkspaceAnalysis {
  const summaries = files.map((f) => cache.file(f.path, f.text).summary);
  const last = cache.last;
  if (last && last.state === state && last.summaries.length === summaries.length && last.summaries.every((s, i) => s === summaries[i])) {
    return last.result;
  }
  cache.retain(new Set(files.map((f) => f.path)));
  const modules = new ModuleIndex(summaries);
  const relevant = relevantFiles(summaries, modules);
  let linked: ReturnType<typeof linkAndCheck>;
  try {
    // A file the analysis failed on may declare any name a widget refers to.
    linked = linkAndCheck(relevant, modules, state, summaries.filter((s) => s.failed));
  } catch (e) {
    linked = {
      model: { apps: [], integrations: [], uses: [], secrets: [], handlers: [] },
      diagnostics: relevant.map((s) => failureDiagnostic(s.path, s.text, 'check this app across its files', e)),
    };
  }
  const { model, diagnostics } = linked;
  for (const s of relevant) diagnostics.push(...s.diagnostics);
  for (const s of importedByApps(relevant, modules)) if (s.syntaxError) diagnostics.push(s.syntaxError);
  // A file the analysis failed on says so even though it is not known to import cpsl.
  for (const s of summaries) if (s.failed && !relevant.includes(s)) diagnostics.push(...s.diagnostics);
  diagnostics.sort(compareDiagnostics);
  const result = { model, diagnostics };
  cache.last = { summaries, state, result };
  return result;
}
