// Document symbols (apps with their integrations and handlers) and the code lenses: Run / Debug /
// Open chat on each app, and "Open page" on each decorator that declares a page surface.
import { SymbolKind, type CodeLens, type DocumentSymbol, type Range } from 'vscode-languageserver-types';
import type { AppModel, PageSurface } from '../analysis/index';
import type { FileInput } from './input';

export const RUN_APP = 'capsule.runApp';
export const DEBUG_APP = 'capsule.debugApp';
export const OPEN_CHAT = 'capsule.openChat';
export const OPEN_APP_PAGE = 'capsule.openAppPage';

function before(a: Range['start'], b: Range['start']): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

function union(ranges: Range[]): Range {
  let { start, end } = ranges[0]!;
  for (const r of ranges) {
    if (before(r.start, start)) start = r.start;
    if (before(end, r.end)) end = r.end;
  }
  return { start, end };
}

export function documentSymbols(input: FileInput, model: AppModel | undefined): DocumentSymbol[] {
  if (!model) return [];
  const path = input.path;
  const byApp = new Map<string, DocumentSymbol[]>();
  const add = (app: string, s: DocumentSymbol) => {
    const list = byApp.get(app) ?? [];
    list.push(s);
    byApp.set(app, list);
  };
  for (const d of model.integrations) {
    if (d.call.path !== path) continue;
    add(d.app, { name: d.type ?? '(dynamic integration)', detail: `integration${d.mode ? ` (${d.mode})` : ''}`, kind: SymbolKind.Interface, range: d.call.range, selectionRange: d.location.range });
  }
  for (const h of model.handlers) {
    if (h.location.path !== path) continue;
    add(h.app, { name: h.name || `@${h.decorator}`, detail: `@${h.app}.${h.decorator}`, kind: SymbolKind.Function, range: h.location.range, selectionRange: h.location.range });
  }
  const out: DocumentSymbol[] = [];
  for (const a of model.apps) {
    if (a.path !== path) continue;
    const children = byApp.get(a.variable) ?? [];
    byApp.delete(a.variable);
    out.push({
      name: a.name ?? (a.variable || 'App'),
      detail: a.variable ? `cpsl.App bound to ${a.variable}` : 'cpsl.App',
      kind: SymbolKind.Module,
      range: union([a.location.range, ...children.map((c) => c.range)]),
      selectionRange: a.location.range,
      children,
    });
  }
  // Integrations and handlers of apps declared in other files stay visible at the top level.
  for (const list of byApp.values()) out.push(...list);
  return out;
}

export interface AppLensArgs {
  uri: string;
  symbol: string;
}

/** `uriOf`: the URI of a path of the model (an App declared in another file than its pages). */
export function codeLenses(input: FileInput, model: AppModel | undefined, uriOf: (path: string) => string): CodeLens[] {
  if (!model) return [];
  const out: CodeLens[] = [];
  for (const a of model.apps) {
    if (a.path !== input.path || !a.variable) continue;
    const args: [string, string] = [input.uri, a.variable];
    const range = a.location.range;
    out.push({ range, command: { title: '▶ Run locally', command: RUN_APP, arguments: args } });
    out.push({ range, command: { title: 'Debug', command: DEBUG_APP, arguments: args } });
    out.push({ range, command: { title: 'Open chat', command: OPEN_CHAT, arguments: args } });
  }
  // The page surfaces: the client asks the running app where each is served (its route). The
  // lens names the App by its own file, which may not be this one (`from main import app`).
  for (const s of model.surfaces ?? []) {
    if (s.location.path !== input.path) continue;
    const args: [string, string, PageSurface] = [s.appPath === input.path ? input.uri : uriOf(s.appPath), s.app, s.surface];
    out.push({ range: s.location.range, command: { title: 'Open page', command: OPEN_APP_PAGE, arguments: args } });
  }
  return out;
}
