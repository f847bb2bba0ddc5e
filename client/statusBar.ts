// The status bar item: emulator state and port, pending prompts; a click opens the actions menu.
import * as vscode from 'vscode';
import type { Emulator } from './emulator';

export function renderStatus(item: vscode.StatusBarItem, emu: Emulator | undefined, pendingPrompts: number): void {
  const state = emu?.state ?? 'stopped';
  const prompts = pendingPrompts ? ` $(bell-dot) ${pendingPrompts}` : '';
  switch (state) {
    case 'starting':
      item.text = '$(loading~spin) Capsule: starting';
      item.tooltip = `Starting the emulator for ${emu?.entry ?? 'the app'}…`;
      item.backgroundColor = undefined;
      break;
    case 'running':
      item.text = `$(broadcast) Capsule :${emu?.info?.port ?? '?'}${prompts}`;
      item.tooltip = `Capsule emulator running at ${emu?.info?.url ?? ''}${emu?.entry ? ` (${emu.entry})` : ''}${pendingPrompts ? `\n${pendingPrompts} pending prompt(s)` : ''}\nClick for actions`;
      item.backgroundColor = pendingPrompts ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
      break;
    case 'failed':
      item.text = '$(error) Capsule: stopped';
      item.tooltip = `The emulator stopped: ${emu?.lastError ?? 'see the Capsule output'}\nClick for actions`;
      item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
      break;
    default:
      item.text = '$(circle-outline) Capsule';
      item.tooltip = 'Capsule emulator stopped. Click to run an app locally.';
      item.backgroundColor = undefined;
  }
  item.command = 'capsule.statusMenu';
  item.show();
}
