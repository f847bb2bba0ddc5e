// Which SDK entry a call or member names, for completion, signature help and hover. The entries
// come from the surface generated from the wheel; this file only maps source names onto them.
import { catalog, type ApiEntry, type ParamInfo } from '../../catalog/catalog';
import type { FileInput } from './input';

/** Names under which code holds a Session or RequestContext (as the analysis reads them). */
const SESSION_NAMES = /session|ctx|context|^s$|^sess$/i;
const WORKFLOW_NAMES = /(^|_)(wf|workflow|flow)$/i;

/** Whether `name` is an App: declared in this file, or imported under an app-like name. */
export function isAppName(input: FileInput, name: string): boolean {
  if (input.summary.apps.some((a) => a.variable === name)) return true;
  return input.summary.imports.some((b) => b.kind === 'from' && b.local === name && /(^|_)app$/i.test(b.name));
}

/** The table of members an object expression has (`cpsl.ui` -> components, `app` -> App methods). */
export function membersOf(input: FileInput, object: string[]): { table: Record<string, ApiEntry>; kind: 'module' | 'ui' | 'app' | 'session' | 'workflow' } | undefined {
  const { scope } = input;
  if (object.length === 1 && scope.cpslModules.has(object[0]!)) return { table: catalog.api.module, kind: 'module' };
  const path = scope.cpslPath(object);
  if (path?.length === 1 && path[0] === 'ui') return { table: catalog.api.ui, kind: 'ui' };
  if (path) return undefined;
  const last = object[object.length - 1]!;
  if (object.length === 1 && isAppName(input, last)) return { table: catalog.api.app, kind: 'app' };
  if (WORKFLOW_NAMES.test(last)) return { table: catalog.api.workflow, kind: 'workflow' };
  if (SESSION_NAMES.test(last)) return { table: catalog.api.session, kind: 'session' };
  return undefined;
}

/** The SDK entry a call names: `cpsl.App(`, `ui.Table(`, `app.collection(`, `@app.page(`, `session.show_table(`. */
export function entryForCallee(input: FileInput, callee: string[] | undefined): ApiEntry | undefined {
  if (!callee?.length) return undefined;
  const path = input.scope.cpslPath(callee);
  if (path?.length === 1) return own(catalog.api.module, path[0]!);
  if (path?.length === 2 && path[0] === 'ui') return own(catalog.api.ui, path[1]!);
  if (path) return undefined;
  if (callee.length < 2) return undefined;
  const members = membersOf(input, callee.slice(0, -1));
  return members ? own(members.table, callee[callee.length - 1]!) : undefined;
}

function own(table: Record<string, ApiEntry>, name: string): ApiEntry | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** The values a parameter accepts when the SDK names them (a Literal type or an `in (...)` check). */
export function paramChoices(entry: ApiEntry, param: string): Array<string | number | boolean> | undefined {
  const p = entry.params?.find((x) => x.name === param);
  if (p?.literals) return p.literals;
  // `session.show_table(mode=...)` is typed str but checked against a tuple in the SDK.
  const name = entry.signature.replace(/^(async )?[a-z]+\./, '').replace(/^async /, '').split('(')[0]!;
  for (const [key, values] of Object.entries(catalog.sdk.choices)) {
    if (key.endsWith(`.${name}:${param}`)) return values;
  }
  return undefined;
}

/** The parameter the cursor is at: by keyword, else by position (skipping keyword-only ones). */
export function activeParam(params: ParamInfo[], keyword: string | undefined, position: number): number {
  if (keyword) return params.findIndex((p) => p.name === keyword);
  let i = 0;
  for (const [n, p] of params.entries()) {
    if (p.kind === 'keyword' || p.kind === 'varkw') return -1;
    if (p.kind === 'varargs') return n;
    if (i === position) return n;
    i++;
  }
  return -1;
}
