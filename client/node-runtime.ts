// The Node.js that runs the bundled CLI (and so the emulator). The workspace database (sessions,
// history, collections, the task queue) needs better-sqlite3, a native module built for one Node ABI; in desktop
// VS Code the extension host's executable is Electron, whose ABI differs, so the module does not
// load there. The choice, in order:
//   1. the `capsule.node.path` setting;
//   2. the first `node` on PATH that loads the module (a child process tries it, once per path);
//   3. the extension host's executable when it is a plain Node (code-server);
//   4. else Electron run as Node (ELECTRON_RUN_AS_NODE): the language server works there, the
//      emulator stops at start saying so, and one message in the output channel says what to
//      install or set.
// chooseNode is pure over its candidates and probe (test/client/node-runtime.test.ts); the
// extension installs a NodeResolver at activation, which both spawn sites ask.
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import * as path from 'node:path';

export interface NodeCandidates {
  /** The `capsule.node.path` setting; '' when unset. */
  setting: string;
  /** `node` executables on PATH, in PATH order. */
  onPath: string[];
  /** The extension host's executable (process.execPath). */
  execPath: string;
  /** Whether that executable is Electron (process.versions.electron is set). */
  electron: boolean;
}

export interface NodeChoice {
  path: string;
  /** Electron's binary run as Node (ELECTRON_RUN_AS_NODE=1); a real Node is spawned without it. */
  electronAsNode: boolean;
  /** Where the choice comes from, for the output channel. */
  source: string;
  /** Set when the emulator cannot open its database on this Node: the one message to show. */
  problem?: string;
}

/** Whether a Node executable loads the collections database's native module. */
export type SqliteProbe = (node: string) => Promise<boolean>;

export const NEEDS_NODE =
  'the emulator keeps sessions, history, collections and tasks in SQLite and needs Node.js 20 on PATH, or the capsule.node.path setting naming a Node.js that can load the SQLite module (better-sqlite3)';

export async function chooseNode(c: NodeCandidates, loads: SqliteProbe): Promise<NodeChoice> {
  const setting = c.setting.trim();
  if (setting) {
    const ok = await loads(setting);
    return { path: setting, electronAsNode: false, source: 'the capsule.node.path setting', ...(ok ? {} : { problem: `${setting} (capsule.node.path) cannot load the SQLite module (better-sqlite3): ${NEEDS_NODE}` }) };
  }
  const seen = new Set<string>();
  for (const p of c.onPath) {
    if (seen.has(p)) continue;
    seen.add(p);
    if (await loads(p)) return { path: p, electronAsNode: false, source: 'the first node on PATH that loads the SQLite module' };
  }
  if (!c.electron) {
    const ok = await loads(c.execPath);
    return { path: c.execPath, electronAsNode: false, source: "the editor's own Node.js", ...(ok ? {} : { problem: `no Node.js here can load the SQLite module (better-sqlite3): ${NEEDS_NODE}` }) };
  }
  return { path: c.execPath, electronAsNode: true, source: "VS Code's own runtime (Electron run as Node)", problem: `no Node.js found on PATH that can load the SQLite module (better-sqlite3): ${NEEDS_NODE}` };
}

/** The `node` executables on a PATH, in order (`node.exe` on Windows). */
export function nodesOnPath(pathEnv: string | undefined, platform: NodeJS.Platform = process.platform, isFile: (p: string) => boolean = fileExists): string[] {
  const win = platform === 'win32';
  const out: string[] = [];
  for (const dir of (pathEnv ?? '').split(win ? ';' : ':')) {
    if (!dir) continue;
    const full = (win ? path.win32 : path.posix).join(dir, win ? 'node.exe' : 'node');
    if (!out.includes(full) && isFile(full)) out.push(full);
  }
  return out;
}

function fileExists(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The environment a chosen Node is spawned with (ELECTRON_RUN_AS_NODE only for Electron). */
export function spawnEnv(choice: Pick<NodeChoice, 'electronAsNode'>, base: NodeJS.ProcessEnv = process.env, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ...extra };
  if (choice.electronAsNode) env.ELECTRON_RUN_AS_NODE = '1';
  else delete env.ELECTRON_RUN_AS_NODE; // the extension host has it set: a real Node must not get it
  return env;
}

/** Runs `node` on a one-line script that opens an in-memory database with the given driver. */
export function sqliteProbe(driver: string, timeoutMs = 15_000): SqliteProbe {
  return (node) =>
    new Promise((resolve) => {
      const script = "const D = require(process.argv[1]); new D(':memory:').close();";
      execFile(node, ['-e', script, driver], { env: spawnEnv({ electronAsNode: false }), timeout: timeoutMs, windowsHide: true }, (err) => resolve(!err));
    });
}

/**
 * The extension's choice, computed when first needed and again when the setting changes; the
 * probe's answers are kept per executable. Reports each new choice (and its problem) once.
 */
export class NodeResolver {
  private last: { setting: string; choice: Promise<NodeChoice> } | undefined;
  private readonly probed = new Map<string, Promise<boolean>>();

  constructor(
    private readonly o: {
      setting: () => string;
      probe: SqliteProbe;
      log: (line: string) => void;
      pathEnv?: () => string | undefined;
      execPath?: string;
      electron?: boolean;
    },
  ) {}

  resolve(): Promise<NodeChoice> {
    const setting = this.o.setting().trim();
    if (this.last?.setting === setting) return this.last.choice;
    const loads: SqliteProbe = (node) => {
      let r = this.probed.get(node);
      if (!r) this.probed.set(node, (r = this.o.probe(node)));
      return r;
    };
    const candidates: NodeCandidates = {
      setting,
      onPath: nodesOnPath((this.o.pathEnv ?? (() => process.env.PATH))()),
      execPath: this.o.execPath ?? process.execPath,
      electron: this.o.electron ?? process.versions.electron !== undefined,
    };
    const choice = chooseNode(candidates, loads).then((c) => {
      this.o.log(`[capsule] Node.js for the emulator and the CLI: ${c.path} (${c.source})`);
      if (c.problem) this.o.log(`[capsule] ${c.problem}`);
      return c;
    });
    this.last = { setting, choice };
    return choice;
  }
}

let installed: NodeResolver | undefined;

/** Set at activation; until then (and outside VS Code) the extension host's own executable. */
export function installNodeResolver(r: NodeResolver | undefined): void {
  installed = r;
}

export async function nodeRuntime(): Promise<NodeChoice> {
  if (installed) return installed.resolve();
  return { path: process.execPath, electronAsNode: process.versions.electron !== undefined, source: "the extension host's executable" };
}
