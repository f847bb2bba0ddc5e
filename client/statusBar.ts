// The status bar item: emulator state and port, pending prompts, a failed reload; a click opens
// the actions menu. The words are in statusText.ts.
import * as vscode from 'vscode';
import type { Emulator } from './emulator';
import { statusText } from './statusText';

export function renderStatus(item: vscode.StatusBarItem, emu: Emulator | undefined, pendingPrompts: number): void {
  const s = statusText({
    state: emu?.state ?? 'stopped',
    port: emu?.info?.port,
    url: emu?.info?.url,
    entry: emu?.entry,
    lastError: emu?.lastError,
    reloadFailure: emu?.reloadFailure,
    pendingPrompts,
  });
  item.text = s.text;
  item.tooltip = s.tooltip;
  item.backgroundColor = s.background ? new vscode.ThemeColor(s.background === 'error' ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground') : undefined;
  item.command = 'capsule.statusMenu';
  item.show();
}
