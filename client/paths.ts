// Where the extension's bundled pieces live. Everything runs from dist/ inside the installed
// extension folder, so the packaged .vsix works offline: the CLI (which hosts the emulator), the
// language server, the stdlib-only Python runtime the app imports as `cpsl` and the collections
// database's native driver.
import * as path from 'node:path';
import * as vscode from 'vscode';

export interface Bundle {
  root: string;
  cli: string;
  server: string;
  pythonRuntime: string;
  /** The collections database's native driver, which the chosen Node.js must load. */
  sqliteDriver: string;
}

export function bundle(context: vscode.ExtensionContext): Bundle {
  const dist = path.join(context.extensionPath, 'dist');
  return {
    root: context.extensionPath,
    cli: path.join(dist, 'cli.js'),
    server: path.join(dist, 'server.js'),
    pythonRuntime: path.join(dist, 'python'),
    sqliteDriver: path.join(dist, 'node_modules', 'better-sqlite3'),
  };
}

/** The workspace folder a file belongs to, else the first folder. */
export function workspaceFolderFor(uri?: vscode.Uri): vscode.WorkspaceFolder | undefined {
  return (uri && vscode.workspace.getWorkspaceFolder(uri)) ?? vscode.workspace.workspaceFolders?.[0];
}

/** The store folder of a workspace: `.capsule` in its root, as the CLI's default. */
export function storeDir(folder: vscode.WorkspaceFolder): string {
  return path.join(folder.uri.fsPath, '.capsule');
}

/** A file URI given as a Uri, a string URI or a plain path (code lens arguments are strings). */
export function toUri(value: unknown): vscode.Uri | undefined {
  if (value instanceof vscode.Uri) return value;
  if (typeof value === 'string' && value) return /^[a-z][a-z0-9+.-]*:/i.test(value) ? vscode.Uri.parse(value) : vscode.Uri.file(value);
  if (value && typeof value === 'object' && 'fsPath' in value && typeof (value as { fsPath: unknown }).fsPath === 'string') {
    return vscode.Uri.file((value as { fsPath: string }).fsPath);
  }
  return undefined;
}
