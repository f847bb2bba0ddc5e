// One workspace folder: its Python files (open buffers win over disk), its store and `.env`, the
// analysis cache and the latest analysis. Nothing here knows LSP; server.ts drives it.
import { isAbsolute, sep } from 'node:path';
import { AnalysisCache, analyzeWorkspace, unknownLocalState, type LocalState, type SourceFile, type WorkspaceAnalysis } from '../analysis/index';
import { storePaths } from '../../emulator/store/index';
import { absoluteIn, pathToUri, relativeTo } from './uri';
import { findPythonFiles, readSource } from './scan';
import { readLocalState } from './local-state';

export interface OpenText {
  text: string;
  version: number;
}

export class Folder {
  readonly cache = new AnalysisCache();
  /** Texts of the folder's `.py` files as last read from disk, by relative path. */
  readonly disk = new Map<string, string>();
  /** Open buffers of this folder, by relative path. */
  readonly open = new Map<string, OpenText>();
  state: LocalState = unknownLocalState();
  storeProblem: string | undefined;
  analysis: WorkspaceAnalysis | undefined;
  /** Milliseconds the last analysis took: the debounce adapts to it. */
  lastCost = 0;
  storeDir: string;
  envFile: string;
  private scanned: Promise<void> | undefined;

  constructor(
    readonly root: string,
    readonly name: string,
    storeDirSetting: string,
    /** False for the implicit folder of a file opened outside any workspace folder: no disk scan. */
    readonly scanDisk = true,
  ) {
    const p = storePaths(storeDirSetting, root);
    this.storeDir = p.dir;
    this.envFile = p.envFile;
  }

  setStoreDir(setting: string): void {
    const p = storePaths(setting, this.root);
    this.storeDir = p.dir;
    this.envFile = p.envFile;
  }

  get uri(): string {
    return pathToUri(this.root);
  }

  /** Relative path of an absolute path inside this folder. */
  rel(abs: string): string | undefined {
    return relativeTo(this.root, abs);
  }

  /** URI of a path as the analysis reports it (relative to the folder, or absolute for `.env` elsewhere). */
  uriOf(path: string): string {
    return pathToUri(isAbsolute(path) ? path : absoluteIn(this.root, path));
  }

  /** Where the analysis should say `.env` lines are: relative when inside the folder. */
  get envLocationPath(): string {
    return this.rel(this.envFile) ?? this.envFile;
  }

  /** Reads the Python files from disk once (later changes arrive through the watchers). */
  scan(): Promise<void> {
    this.scanned ??= (async () => {
      if (!this.scanDisk) return;
      const files = await findPythonFiles(this.root);
      await Promise.all(
        files.map(async (abs) => {
          const rel = this.rel(abs);
          if (!rel) return;
          const text = await readSource(abs);
          if (text !== undefined) this.disk.set(rel, text);
        }),
      );
    })();
    return this.scanned;
  }

  /** Re-reads one file after a watcher event; false when nothing changed. */
  async reloadFile(abs: string): Promise<boolean> {
    const rel = this.rel(abs);
    if (!rel || !rel.endsWith('.py')) return false;
    const text = await readSource(abs);
    const old = this.disk.get(rel);
    if (text === undefined) {
      this.disk.delete(rel);
      return old !== undefined;
    }
    this.disk.set(rel, text);
    return old !== text;
  }

  deleteFile(abs: string): boolean {
    const rel = this.rel(abs);
    return !!rel && this.disk.delete(rel);
  }

  /** Whether the last analysis looked at this file (a page component or logo an app names). */
  referencesFile(path: string): boolean {
    const rel = this.rel(path);
    return rel !== undefined && (this.analysis?.model.files ?? []).includes(rel.split(sep).join('/'));
  }

  async refreshState(): Promise<boolean> {
    const before = describeState(this.state);
    const r = await readLocalState(this.storeDir, this.envFile, this.envLocationPath, this.root);
    this.state = r.state;
    this.storeProblem = r.storeProblem;
    return describeState(this.state) !== before;
  }

  /** The text of a file as the editor sees it: the open buffer, else the disk copy. */
  textOf(rel: string): string | undefined {
    return this.open.get(rel)?.text ?? this.disk.get(rel);
  }

  files(): SourceFile[] {
    const out: SourceFile[] = [];
    for (const [path, text] of this.disk) if (!this.open.has(path)) out.push({ path, text });
    for (const [path, o] of this.open) out.push({ path, text: o.text });
    return out;
  }

  analyze(): WorkspaceAnalysis {
    const started = performance.now();
    this.analysis = analyzeWorkspace(this.files(), this.state, this.cache);
    this.lastCost = performance.now() - started;
    return this.analysis;
  }
}

/** A cheap fingerprint of the names (and where .env defines them), to skip needless re-analysis. */
function describeState(state: LocalState): string {
  const part = (s: LocalState['secrets']) =>
    `${s.complete}:` + [...s.names].map(([n, o]) => `${n}@${o.source}${o.location ? `:${o.location.range.start.line}` : ''}${o.channelType ?? ''}`).join(',');
  return `${part(state.secrets)}|${part(state.channels)}`;
}
