// The `capsule` debug type. A configuration names an entry (`app.py:app`); resolving it makes sure
// the emulator serves that entry, asks it for the runner's environment (`GET /api/runner-env`:
// gateway URL, per-run token, injected secrets, PYTHONPATH with the bundled `cpsl` runtime) and
// hands VS Code a Python debug configuration that launches `python -m cpsl.runner ENTRY` with it.
// The emulator then adopts the debugged process instead of launching its own.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findApps } from './apps';
import { DEBUGPY_EXTENSION, PYTHON_EXTENSION, pythonInterpreter } from './python';
import * as ui from './ui';

export interface CapsuleDebugConfiguration extends vscode.DebugConfiguration {
  entry?: string;
  python?: string;
  justMyCode?: boolean;
  env?: Record<string, string>;
}

/** `GET /api/runner-env?entry=` of the emulator (docs/emulator.md). */
export interface RunnerEnv {
  app?: string;
  entry?: string;
  /** The interpreter the emulator would use. */
  command?: string;
  /** Full argument list, e.g. ['-m', 'cpsl.runner', 'app.py:app']. */
  args?: string[];
  cwd?: string;
  env: Record<string, string>;
  module?: string;
  /** Arguments after `-m cpsl.runner`. */
  runnerArgs?: string[];
}

export interface DebugHost {
  pythonRuntime: string;
  /** Starts (or reuses) the emulator for this entry and returns the runner environment. */
  runnerEnv(folder: vscode.WorkspaceFolder, entry: string): Promise<RunnerEnv>;
}

/** Which Python debug adapter is installed: the Python Debugger extension, or the older one in the Python extension. */
export function pythonDebugType(): 'debugpy' | 'python' | undefined {
  if (vscode.extensions.getExtension(DEBUGPY_EXTENSION)) return 'debugpy';
  if (vscode.extensions.getExtension(PYTHON_EXTENSION)) return 'python';
  return undefined;
}

export const MISSING_PYTHON_EXTENSION =
  'Debugging a Capsule app needs the Python extension (ms-python.python, with the Python Debugger ms-python.debugpy). ' +
  'Install it from the Extensions view, or use "Capsule: Run App Locally" to run without the debugger.';

export class CapsuleDebugProvider implements vscode.DebugConfigurationProvider {
  constructor(private readonly host: DebugHost) {}

  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
    const apps = (await findApps()).filter((a) => !folder || a.folder.uri.toString() === folder.uri.toString());
    const entries = apps.length ? apps.map((a) => a.entry) : ['app.py:app'];
    return entries.map((entry) => ({ type: 'capsule', request: 'launch', name: `Capsule: debug ${entry}`, entry }));
  }

  async resolveDebugConfiguration(folder: vscode.WorkspaceFolder | undefined, config: CapsuleDebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    // F5 without a launch.json: debug the app of the active editor.
    if (!config.type && !config.request && !config.name) {
      config = { type: 'capsule', request: 'launch', name: 'Capsule: debug app' };
    }
    const debugType = pythonDebugType();
    if (!debugType) {
      void vscode.window.showErrorMessage(MISSING_PYTHON_EXTENSION, 'Show Python extension').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.extensions.search', PYTHON_EXTENSION);
      });
      return undefined;
    }
    const target = folder ?? vscode.workspace.workspaceFolders?.[0];
    if (!target) throw new Error('open the folder that holds the app to debug it');
    const entry = config.entry ?? (await chooseEntry(target));
    if (!entry) return undefined;
    const python = config.python ?? (await pythonInterpreter(target.uri)).path;
    const runner = await this.host.runnerEnv(target, entry);
    return toPythonDebugConfiguration({ config, debugType, entry, python, runner, folder: target, pythonRuntime: this.host.pythonRuntime });
  }
}

async function chooseEntry(folder: vscode.WorkspaceFolder): Promise<string | undefined> {
  const apps = (await findApps()).filter((a) => a.folder.uri.toString() === folder.uri.toString());
  const active = vscode.window.activeTextEditor?.document.uri.toString();
  const inActive = apps.filter((a) => a.file.toString() === active);
  const candidates = inActive.length === 1 ? inActive : apps;
  if (candidates.length === 1) return candidates[0]!.entry;
  if (!candidates.length) throw new Error('no Capsule app (cpsl.App(...)) found to debug; add "entry": "app.py:app" to the launch configuration');
  return (await ui.pick(candidates.map((a) => ({ label: a.entry })), { title: 'Capsule: debug which app?' }))?.label;
}

/** Pure mapping from a `capsule` configuration and the runner environment to a Python one. */
export function toPythonDebugConfiguration(i: {
  config: CapsuleDebugConfiguration;
  debugType: 'debugpy' | 'python';
  entry: string;
  python: string;
  runner: RunnerEnv;
  folder: vscode.WorkspaceFolder;
  pythonRuntime: string;
}): vscode.DebugConfiguration {
  const env: Record<string, string> = { ...i.runner.env, ...(i.config.env ?? {}) };
  // The bundled runtime must come first so `import cpsl` gets the local one, not an installed SDK.
  const parts = (env.PYTHONPATH ?? '').split(path.delimiter).filter(Boolean);
  if (!parts.includes(i.pythonRuntime)) parts.unshift(i.pythonRuntime);
  env.PYTHONPATH = parts.join(path.delimiter);
  env.PYTHONUNBUFFERED = '1';
  const file = i.entry.slice(0, i.entry.lastIndexOf(':'));
  const symbol = i.entry.slice(i.entry.lastIndexOf(':') + 1);
  const cwd = i.runner.cwd ?? path.dirname(path.join(i.folder.uri.fsPath, file));
  const runnerArgs = i.runner.runnerArgs ?? (i.runner.args?.length ? [i.runner.args[i.runner.args.length - 1]!] : [`${path.basename(file)}:${symbol}`]);
  return {
    type: i.debugType,
    request: 'launch',
    name: i.config.name ?? `Capsule: debug ${i.entry}`,
    module: i.runner.module ?? 'cpsl.runner',
    args: runnerArgs,
    cwd,
    env,
    python: i.python,
    justMyCode: i.config.justMyCode ?? true,
    console: 'integratedTerminal',
    // Marks the session so the extension can tell the emulator's debugged runner apart.
    capsuleEntry: i.entry,
  };
}
