// Names an app declares for its widgets (settings, data sources, collections, actions) and the
// widgets that refer to them; plus the checks of decorator strings the SDK stores unread: a
// schedule's cron expression and a task's lock template. None of these raise at import: a wrong
// name or expression shows up only on the platform, so they are warnings.
import type { SyntaxNode } from '@lezer/common';
import type { FileContext } from './summary';
import type { CallArgs } from './syntax';
import type { NameDecl, NameKind, NameRef } from './model-types';
import { literalOf, type SdkHit } from './sdk-calls';

/** Widget parameters that name something the app declares: `ui.Component:param` -> kind. */
export const REFERENCES: Record<string, NameKind> = {
  'ui.Toggle:setting': 'setting',
  'ui.TextInput:setting': 'setting',
  'ui.NumberInput:setting': 'setting',
  'ui.Select:setting': 'setting',
  'ui.Chart:data': 'data',
  'ui.Metric:data': 'data',
  'ui.Table:data': 'data',
  'ui.ImageGallery:data': 'data',
  'ui.VideoGallery:data': 'data',
  'ui.Table:collection': 'collection',
  'session.show_table:collection': 'collection',
  'session.show_table:data': 'data',
  'ui.SubmitButton:action': 'workflow-action',
  'ui.Button:on_click': 'app-action',
};

/** Declarations and references found in one SDK call. */
export function namesOfCall(ctx: FileContext, hit: SdkHit, args: CallArgs, decls: NameDecl[], refs: NameRef[]): void {
  const { entry, kind, name } = hit;
  const owner = kind === 'ui' ? `ui.${name}` : kind === 'session' ? `session.${name}` : kind === 'app' ? `app.${name}` : name;
  if (kind === 'app' && (name === 'setting' || name === 'collection')) {
    const node = args.keywords.get('name')?.value ?? args.positional[0];
    const l = literalOf(ctx.text, node);
    decls.push({ kind: name, name: l?.kind === 'str' ? l.value : undefined });
    return;
  }
  for (const p of entry.params ?? []) {
    const refKind = REFERENCES[`${owner}:${p.name}`];
    if (!refKind) continue;
    const index = (entry.params ?? []).filter((x) => x.kind === 'positional' || x.kind === 'either').indexOf(p);
    const node = args.keywords.get(p.name)?.value ?? (index >= 0 ? args.positional[index] : undefined);
    const l = literalOf(ctx.text, node);
    if (!node || l?.kind !== 'str') continue;
    // SubmitButton's default "start" runs @wf.start(), which is not a named action.
    if (refKind === 'workflow-action' && l.value === 'start') continue;
    refs.push({ kind: refKind, name: l.value, via: `${p.name}= of ${owner}`, location: ctx.location(node.from, node.to) });
  }
}

/** A decorator's declarations (`@app.data("x")`, `@wf.action("y")`, `@app.action()`). */
export function namesOfDecorator(ctx: FileContext, receiverIsApp: boolean, decorator: string, args: CallArgs | undefined, fnName: string, decls: NameDecl[]): void {
  const first = args ? (args.keywords.get('name')?.value ?? args.positional[0]) : undefined;
  const l = literalOf(ctx.text, first);
  const name = l?.kind === 'str' ? l.value : first ? undefined : null;
  if (receiverIsApp && decorator === 'data' && args) decls.push({ kind: 'data', name: name ?? undefined });
  else if (receiverIsApp && decorator === 'action') decls.push({ kind: 'app-action', name: name === null ? fnName : name });
  else if (!receiverIsApp && decorator === 'action' && args) decls.push({ kind: 'workflow-action', name: name ?? undefined });
}

const CRON_FIELDS: Array<{ what: string; min: number; max: number; names?: string[] }> = [
  { what: 'minute', min: 0, max: 59 },
  { what: 'hour', min: 0, max: 23 },
  { what: 'day of month', min: 1, max: 31 },
  { what: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { what: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** Why a 5-field cron expression is invalid, or undefined when it is valid. */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return `a cron expression has 5 fields (minute hour day-of-month month day-of-week), this one has ${expr.trim() ? fields.length : 0}`;
  for (const [i, field] of fields.entries()) {
    const spec = CRON_FIELDS[i]!;
    for (const item of field.split(',')) {
      const [range, step, extra] = item.split('/');
      if (extra !== undefined || (step !== undefined && !/^[1-9][0-9]*$/.test(step))) return `"${item}" is not a valid ${spec.what} step`;
      if (range === '*') continue;
      const bounds = range!.split('-');
      if (bounds.length > 2) return `"${item}" is not a valid ${spec.what}`;
      const values = bounds.map((b) => {
        const named = spec.names?.indexOf(b.toLowerCase()) ?? -1;
        if (named >= 0) return named + (spec.what === 'month' ? 1 : 0);
        return /^[0-9]+$/.test(b) ? Number(b) : NaN;
      });
      for (const v of values) if (!(v >= spec.min && v <= spec.max)) return `"${item}" is not a valid ${spec.what} (${spec.min}-${spec.max})`;
      if (values.length === 2 && values[0]! > values[1]!) return `"${item}" is a ${spec.what} range that runs backwards`;
    }
  }
  return undefined;
}

/** `@app.schedule("...")`: a cron expression the platform can run. */
export function checkCron(ctx: FileContext, args: CallArgs): void {
  const node = args.keywords.get('cron')?.value ?? args.positional[0];
  const l = literalOf(ctx.text, node);
  if (!node || l?.kind !== 'str') return;
  const problem = cronProblem(l.value);
  if (!problem) return;
  ctx.report('capsule/invalid-cron', 'warning', node.from, node.to,
    `Invalid cron expression "${l.value}": ${problem}. The SDK stores it without checking, so the schedule never runs as meant. Example: "*/5 * * * *" (every 5 minutes), "0 9 * * 1-5" (9:00 UTC on weekdays).`,
    { data: { cron: l.value } });
}

/** `@app.task(lock="user:{user_id}")`: every placeholder must be a parameter of the task. */
export function checkLock(ctx: FileContext, args: CallArgs, def: SyntaxNode): void {
  const node = args.keywords.get('lock')?.value ?? args.positional[2];
  const l = literalOf(ctx.text, node);
  if (!node || l?.kind !== 'str') return;
  const params = new Set<string>();
  let varkw = false;
  const list = def.getChild('ParamList');
  for (let c = list?.firstChild; c; c = c.nextSibling) {
    if (c.type.name === '**') varkw = true;
    if (c.type.name === 'VariableName') params.add(ctx.text.slice(c.from, c.to));
  }
  if (varkw) return;
  for (const m of l.value.matchAll(/\{(\w+)\}/g)) {
    if (params.has(m[1]!)) continue;
    ctx.report('capsule/invalid-lock', 'warning', node.from, node.to,
      `The lock template names {${m[1]}}, which is not a parameter of the task: the SDK fills it with an empty string, so every run shares the lock "${l.value.replace(/\{(\w+)\}/g, (_a, p: string) => (params.has(p) ? `{${p}}` : ''))}". ` +
        `Parameters: ${[...params].join(', ') || 'none'}.`,
      { data: { placeholder: m[1], parameters: [...params] } });
    return;
  }
}
