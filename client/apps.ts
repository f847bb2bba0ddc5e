// Finds the apps of the workspace (`NAME = cpsl.App(...)`, `NAME = App(...)` with App imported from
// cpsl, or an alias of the module) to offer them to Run, Debug and the Capsule view. The language
// server's code lenses already carry the exact file and symbol; this scan only serves commands run
// from the palette or the view.
import * as path from 'node:path';
import * as vscode from 'vscode';

export interface AppRef {
  file: vscode.Uri;
  symbol: string;
  /** The `name=` given to App(...), when it is a plain string. */
  name?: string;
  line: number;
  folder: vscode.WorkspaceFolder;
  /** `relative/path.py:symbol`, relative to the workspace folder (the CLI's entry format). */
  entry: string;
}

export const IMPORTS_CPSL = /^\s*(?:import\s+cpsl\b|from\s+cpsl(?:\.\w+)*\s+import\b)/m;

/** Names under which `App` is reachable in this file (`cpsl.App`, `c.App`, `App`, `MyApp`). */
function appCallPattern(text: string): RegExp {
  const heads = ['cpsl\\.App'];
  for (const m of text.matchAll(/^\s*import\s+cpsl\s+as\s+(\w+)/gm)) heads.push(`${m[1]}\\.App`);
  for (const m of text.matchAll(/^\s*from\s+cpsl\s+import\s+([^\n#]+)/gm)) {
    for (const part of m[1]!.replace(/[()]/g, '').split(',')) {
      const [name, alias] = part.trim().split(/\s+as\s+/);
      if (name === 'App') heads.push(alias ?? 'App');
    }
  }
  return new RegExp(`^([A-Za-z_]\\w*)\\s*(?::[^=]+)?=\\s*(?:${heads.join('|')})\\s*\\(`, 'gm');
}

export function appsInText(text: string): Array<{ symbol: string; line: number; name?: string }> {
  if (!IMPORTS_CPSL.test(text)) return [];
  const out: Array<{ symbol: string; line: number; name?: string }> = [];
  for (const m of text.matchAll(appCallPattern(text))) {
    // The first name="..." shortly after the call opens; only a display label, so a miss is harmless.
    const name = /\bname\s*=\s*["']([^"'\n]+)["']/.exec(text.slice(m.index + m[0].length, m.index + m[0].length + 300))?.[1];
    out.push({ symbol: m[1]!, line: text.slice(0, m.index).split('\n').length - 1, name });
  }
  return out;
}

export function entryFor(folder: vscode.WorkspaceFolder, file: vscode.Uri, symbol: string): string {
  return `${path.relative(folder.uri.fsPath, file.fsPath).split(path.sep).join('/')}:${symbol}`;
}

export async function findApps(token?: vscode.CancellationToken): Promise<AppRef[]> {
  const files = await vscode.workspace.findFiles('**/*.py', '{**/node_modules/**,**/.venv/**,**/venv/**,**/.capsule/**,**/site-packages/**}', 500, token);
  const apps: AppRef[] = [];
  for (const file of files) {
    const folder = vscode.workspace.getWorkspaceFolder(file);
    if (!folder) continue;
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === file.toString());
    const text = open ? open.getText() : Buffer.from(await vscode.workspace.fs.readFile(file)).toString('utf8');
    for (const a of appsInText(text)) apps.push({ file, symbol: a.symbol, name: a.name, line: a.line, folder, entry: entryFor(folder, file, a.symbol) });
  }
  return apps.sort((a, b) => a.entry.localeCompare(b.entry));
}

/** True when some open Python document or workspace file imports cpsl. */
export async function workspaceUsesCpsl(): Promise<boolean> {
  if (vscode.workspace.textDocuments.some((d) => d.languageId === 'python' && IMPORTS_CPSL.test(d.getText()))) return true;
  const files = await vscode.workspace.findFiles('**/*.py', '{**/node_modules/**,**/.venv/**,**/venv/**,**/site-packages/**}', 200);
  for (const f of files) {
    const text = Buffer.from(await vscode.workspace.fs.readFile(f)).toString('utf8');
    if (IMPORTS_CPSL.test(text)) return true;
  }
  return false;
}
