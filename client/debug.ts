// The `capsule` debug type. A configuration names an entry (`app.py:app`); resolving it makes sure
// the emulator serves that entry and asks it to relaunch the app under debugpy (`POST /api/debug`),
// which answers only where debugpy listens. VS Code then attaches the Python debugger there. The
// app's environment (gateway address, runner token, secrets) never leaves the emulator: nothing
// here sees a secret value. When the session ends the emulator runs the app without the debugger.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findApps } from './apps';
import { DEBUGPY_EXTENSION, PYTHON_EXTENSION } from './python';
import * as ui from './ui';

export interface CapsuleDebugConfiguration extends vscode.DebugConfiguration {
  entry?: string;
  justMyCode?: boolean;
  env?: Record<string, string>;
}

/** `POST /api/debug` of the emulator (docs/emulator.md): where the debugged app's debugpy listens. */
export interface DebugTarget {
  app?: string;
  entry?: string;
  host: string;
  port: number;
}

export interface DebugRequest {
  /** Folders holding debugpy, put on the debugged process's PYTHONPATH (the editor's own copy). */
  pythonPath?: string[];
  env?: Record<string, string>;
}

export interface DebugHost {
  /** Starts (or reuses) the emulator for this entry and relaunches the app under debugpy. */
  debugTarget(folder: vscode.WorkspaceFolder, entry: string, request: DebugRequest): Promise<DebugTarget>;
}

/**
 * The debugpy that the Python Debugger extension ships (`bundled/libs`), so that the app's
 * interpreter needs no debugpy of its own; none when the extension has no such folder.
 */
export function bundledDebugpy(): string[] {
  const ext = vscode.extensions.getExtension(DEBUGPY_EXTENSION);
  const libs = ext && path.join(ext.extensionPath, 'bundled', 'libs');
  return libs && existsSync(path.join(libs, 'debugpy')) ? [libs] : [];
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
    // Registered twice (initial and dynamic configurations), so VS Code hands the second
    // registration what the first resolved: a Python attach, already complete.
    if (config.type && config.type !== 'capsule') return config;
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
    const debug = await this.host.debugTarget(target, entry, { pythonPath: bundledDebugpy(), env: config.env });
    return toPythonDebugConfiguration({ config, debugType, entry, target: debug });
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

/** Pure mapping from a `capsule` configuration and the emulator's debug target to a Python attach. */
export function toPythonDebugConfiguration(i: {
  config: CapsuleDebugConfiguration;
  debugType: 'debugpy' | 'python';
  entry: string;
  target: DebugTarget;
}): vscode.DebugConfiguration {
  return {
    type: i.debugType,
    request: 'attach',
    name: i.config.name ?? `Capsule: debug ${i.entry}`,
    connect: { host: i.target.host, port: i.target.port },
    justMyCode: i.config.justMyCode ?? true,
    // The app's output stays with the emulator, which scrubs secret values from it (the Capsule
    // output channel shows it); debugpy would copy it raw into the debug console.
    redirectOutput: false,
    // Marks the session so the extension can tell the emulator's debugged runner apart.
    capsuleEntry: i.entry,
  };
}
