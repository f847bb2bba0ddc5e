// The Python interpreter the app runs with: the `capsule.python.interpreter` setting (serve's
// --python), else the interpreter selected in the Python extension (through its public API; serve
// ranks it after the workspace's .venv, as CAPSULE_EDITOR_PYTHON), else serve's own choice.
import * as vscode from 'vscode';

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
    resolveEnvironment?(env: { path: string }): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
  };
  settings?: { getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined } };
}

export const PYTHON_EXTENSION = 'ms-python.python';
export const DEBUGPY_EXTENSION = 'ms-python.debugpy';

export interface PythonChoice {
  path: string;
  source: string;
  /** How serve is told: `--python` (the setting), CAPSULE_EDITOR_PYTHON (the Python extension), or not at all. */
  kind: 'setting' | 'extension' | 'default';
}

export async function pythonInterpreter(resource?: vscode.Uri): Promise<PythonChoice> {
  const configured = vscode.workspace.getConfiguration('capsule', resource).get<string>('python.interpreter', '').trim();
  if (configured) return { path: configured, source: 'the capsule.python.interpreter setting', kind: 'setting' };
  const ext = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION);
  if (ext) {
    try {
      const api = ext.isActive ? ext.exports : await ext.activate();
      const active = api.environments?.getActiveEnvironmentPath(resource);
      if (active?.path) {
        const resolved = await api.environments?.resolveEnvironment?.(active);
        return { path: resolved?.executable.uri?.fsPath ?? active.path, source: 'the Python extension', kind: 'extension' };
      }
      const cmd = api.settings?.getExecutionDetails(resource).execCommand;
      if (cmd?.length === 1) return { path: cmd[0]!, source: 'the Python extension', kind: 'extension' };
    } catch {
      // The Python extension failed to activate; fall back to the default below.
    }
  }
  return { path: 'python3', source: "serve's default (the workspace's .venv, else python3 on PATH)", kind: 'default' };
}
