// Which SDK entry a call names (`cpsl.App`, `ui.Table`, `app.collection`, `session.show_table`),
// from the surface generated from the wheel. Shared by the checks and the editor features.
import { catalog, type ApiEntry, type ParamInfo } from '../../catalog/catalog';
import type { Scope } from './summary';

/** Names under which code holds a Session or RequestContext. */
const SESSION_NAMES = /session|ctx|context|^s$|^sess$/i;
const WORKFLOW_NAMES = /(^|_)(wf|workflow|flow)$/i;

export type MemberTable = { table: Record<string, ApiEntry>; kind: 'module' | 'ui' | 'app' | 'session' | 'workflow' | 'static' };

/**
 * How plain names are known: `isApp` says whether a name is an App. With `isWorkflow`/`isSession`
 * only those names count (the checks: a wrong guess there would be a false error); without, names
 * that look like one do (completion, where a guess costs nothing).
 */
export interface NameKinds {
  isApp: (name: string) => boolean;
  isWorkflow?: (name: string) => boolean;
  isSession?: (name: string) => boolean;
}

/** The members an object expression has. */
export function membersOf(scope: Scope, kinds: NameKinds, object: string[]): MemberTable | undefined {
  const { isApp } = kinds;
  if (object.length === 1 && scope.cpslModules.has(object[0]!)) return { table: catalog.api.module, kind: 'module' };
  const path = scope.cpslPath(object);
  if (path?.length === 1 && path[0] === 'ui') return { table: catalog.api.ui, kind: 'ui' };
  if (path) return undefined;
  const last = object[object.length - 1]!;
  if (object.length === 1 && isApp(last)) return { table: catalog.api.app, kind: 'app' };
  if (kinds.isWorkflow ? object.length === 1 && kinds.isWorkflow(last) : WORKFLOW_NAMES.test(last)) return { table: catalog.api.workflow, kind: 'workflow' };
  if (kinds.isSession ? object.length === 1 && kinds.isSession(last) : SESSION_NAMES.test(last)) return { table: catalog.api.session, kind: 'session' };
  return undefined;
}

/** Every name an SDK call can end in: a cheap first filter for the calls of a file. */
export const SDK_CALL_NAMES: ReadonlySet<string> = new Set([
  ...Object.keys(catalog.api.module),
  ...Object.keys(catalog.api.ui),
  ...Object.keys(catalog.api.app),
  ...Object.keys(catalog.api.session),
  ...Object.keys(catalog.api.workflow),
  ...Object.values(catalog.api.statics).flatMap((t) => Object.keys(t)),
]);

export function own<T>(table: Record<string, T>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** The SDK entry a callee names, and which table it is from. */
export function sdkEntry(scope: Scope, kinds: NameKinds, callee: string[] | undefined): { entry: ApiEntry; kind: MemberTable['kind']; name: string } | undefined {
  if (!callee?.length) return undefined;
  const path = scope.cpslPath(callee);
  const hit = (table: Record<string, ApiEntry>, name: string, kind: MemberTable['kind']) => {
    const entry = own(table, name);
    return entry ? { entry, kind, name } : undefined;
  };
  if (path?.length === 1) return hit(catalog.api.module, path[0]!, 'module');
  if (path?.length === 2 && path[0] === 'ui') return hit(catalog.api.ui, path[1]!, 'ui');
  if (path?.length === 2 && own(catalog.api.statics, path[0]!)) {
    const h = hit(catalog.api.statics[path[0]!]!, path[1]!, 'static');
    return h && { ...h, name: `${path[0]}.${path[1]}` };
  }
  if (path || callee.length < 2) return undefined;
  const members = membersOf(scope, kinds, callee.slice(0, -1));
  return members ? hit(members.table, callee[callee.length - 1]!, members.kind) : undefined;
}

/** The values a parameter accepts when the SDK names them (a Literal type or an `in (...)` check). */
export function paramChoices(entry: ApiEntry, param: string): Array<string | number | boolean> | undefined {
  const p = entry.params?.find((x) => x.name === param);
  if (p?.literals) return p.literals;
  return checkedChoices(entry, param);
}

/** Values the SDK itself checks with `if param not in (...)` (a ValueError when it runs). */
export function checkedChoices(entry: ApiEntry, param: string): string[] | undefined {
  const name = entry.signature.replace(/^async /, '').replace(/^[A-Za-z_]+\./, '').split('(')[0]!;
  for (const [key, values] of Object.entries(catalog.sdk.choices)) {
    if (key.endsWith(`.${name}:${param}`)) return values;
  }
  return undefined;
}

/** The parameter at a keyword, else at a position (keyword-only ones are never positional). */
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
