// The few questions the extension asks (input boxes, quick picks, notification buttons) go through
// here. In normal use these are VS Code's own widgets. The workbench tests queue answers in advance
// (see testDriver.ts) because a test cannot type into a native input box reliably; when nothing is
// queued the real widget is shown, also under test.
import * as vscode from 'vscode';

type Answer = string | string[] | undefined;
const queued: Answer[] = [];
/** What was asked while answers were queued, for the tests' assertions (never the answers). */
export const asked: Array<{ kind: string; title: string; password?: boolean }> = [];

export function queueAnswers(answers: Answer[]): void {
  queued.push(...answers);
}

function take(kind: string, title: string, password?: boolean): { hit: boolean; value: Answer } {
  if (!queued.length) return { hit: false, value: undefined };
  asked.push({ kind, title, password });
  return { hit: true, value: queued.shift() };
}

export async function input(options: vscode.InputBoxOptions): Promise<string | undefined> {
  const t = take('input', options.title ?? options.prompt ?? '', options.password);
  if (t.hit) {
    const value = typeof t.value === 'string' ? t.value : undefined;
    // Queued answers pass the same validation a typed value would.
    const problem = value !== undefined ? await options.validateInput?.(value) : undefined;
    if (problem) throw new Error(`invalid answer for "${options.title ?? options.prompt}": ${typeof problem === 'string' ? problem : problem.message}`);
    return value;
  }
  return vscode.window.showInputBox({ ignoreFocusOut: true, ...options });
}

export async function pick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Promise<T | undefined> {
  const t = take('pick', options.title ?? options.placeHolder ?? '');
  if (t.hit) {
    const item = items.find((i) => i.label === t.value);
    if (t.value !== undefined && !item) throw new Error(`queued answer "${String(t.value)}" is not one of: ${items.map((i) => i.label).join(', ')}`);
    return item;
  }
  return vscode.window.showQuickPick(items, { ignoreFocusOut: true, ...options });
}

export async function pickMany<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Promise<T[] | undefined> {
  const t = take('pickMany', options.title ?? options.placeHolder ?? '');
  if (t.hit) {
    if (t.value === undefined) return undefined;
    const labels = Array.isArray(t.value) ? t.value : [t.value];
    return items.filter((i) => labels.includes(i.label));
  }
  return vscode.window.showQuickPick(items, { ignoreFocusOut: true, ...options, canPickMany: true });
}

export async function confirm(message: string, detail: string, action: string): Promise<boolean> {
  const t = take('confirm', message);
  if (t.hit) return t.value === action;
  return (await vscode.window.showWarningMessage(message, { modal: true, detail }, action)) === action;
}
