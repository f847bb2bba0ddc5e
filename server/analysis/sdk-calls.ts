// Calls into the SDK checked against the surface generated from the wheel: arguments the
// signature does not take (TypeError), values the SDK checks itself (ValueError, with its own
// message) and values outside a Literal type the SDK does not check. A call that runs at import
// (module level, a decorator, the body of a page function) stops the app from starting: an
// error. The same call in a handler fails only when it runs: a warning.
import type { SyntaxNode } from '@lezer/common';
import { catalog, nearest, type ApiEntry, type ParamInfo } from '../../catalog/catalog';
import type { FileContext } from './summary';
import type { CallArgs } from './syntax';
import { isStringNode, stringValue } from './strings';
import { checkedChoices, own, sdkEntry, type NameKinds } from './sdk-api';

/** A literal argument as the SDK would see it. */
export type Literal = { kind: 'str'; value: string } | { kind: 'num'; value: number } | { kind: 'none' } | { kind: 'bool'; value: boolean } | { kind: 'name'; value: string };

export function literalOf(text: string, node: SyntaxNode | undefined): Literal | undefined {
  if (!node) return undefined;
  const t = node.type.name;
  if (isStringNode(node)) {
    const v = stringValue(text, node);
    return v?.terminated ? { kind: 'str', value: v.value } : undefined;
  }
  if (t === 'Number') {
    const n = Number(text.slice(node.from, node.to).replace(/_/g, ''));
    return Number.isFinite(n) ? { kind: 'num', value: n } : undefined;
  }
  if (t === 'UnaryExpression') {
    // Only `-<number>` is a literal; `- - - x` chains thousands long must not recurse.
    const inner = node.lastChild;
    if (!inner || inner.type.name !== 'Number' || !text.slice(node.from, node.to).trimStart().startsWith('-')) return undefined;
    const n = literalOf(text, inner);
    return n?.kind === 'num' ? { kind: 'num', value: -n.value } : undefined;
  }
  if (t === 'None') return { kind: 'none' };
  if (t === 'Boolean') return { kind: 'bool', value: text.slice(node.from, node.to) === 'True' };
  if (t === 'VariableName') return { kind: 'name', value: text.slice(node.from, node.to) };
  return undefined;
}

/** Python's repr of a literal, as the SDK's f-strings print it. */
function repr(l: Literal): string {
  switch (l.kind) {
    case 'str':
      return `'${l.value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    case 'num':
      return String(l.value);
    case 'none':
      return 'None';
    case 'bool':
      return l.value ? 'True' : 'False';
    case 'name':
      return `<class '${l.value}'>`;
  }
}

function pySet(values: string[]): string {
  return `frozenset({${values.map((v) => `'${v}'`).join(', ')}})`;
}

/** The SDK's message template with the values it interpolates. */
export function render(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^{}]+?)(!r)?\}/g, (all, expr: string) => values[expr] ?? all);
}

/** What the SDK raises for a value of a parameter, as an allowed set and the raise's message. */
interface ValueRule {
  allowed?: string[];
  /** The check, when it is not membership (empty strings, negative numbers...). */
  bad?: (l: Literal) => boolean;
  fn: string;
  when: string;
  sets?: Record<string, string[]>;
}

const S = catalog.sdk.sets;
const ACCESS = catalog.accessLevels;
/** `Owner.method:param` -> how the SDK checks it. Owners: App, Session, Workflow, ui.<Component>. */
const VALUE_RULES: Record<string, ValueRule> = {
  'App.collection:scope': { allowed: S.collectionScopes, fn: 'app:App.collection', when: 'scope not in', sets: { VALID_SCOPES: S.collectionScopes! } },
  'App.setting:scope': { allowed: S.settingScopes, fn: 'app:App.setting', when: 'scope not in', sets: { VALID_SETTING_SCOPES: S.settingScopes! } },
  // The type itself (`type=str`), not its name as a string.
  'App.setting:type': { allowed: catalog.sdk.settingTypes, bad: (l) => l.kind !== 'name' || !catalog.sdk.settingTypes.includes(l.value), fn: 'app:App.setting', when: 'type not in' },
  'App.workflow:scope': { allowed: S.workflowScopes, fn: 'workflow:Workflow.__init__', when: 'scope not in', sets: { VALID_WORKFLOW_SCOPES: S.workflowScopes! } },
  'App.chat_page:mode': { allowed: S.chatPageModes, fn: 'app:App.chat_page', when: 'mode not in' },
  'App.chat_page:scope': { allowed: S.chatPageScopes, fn: 'app:App.chat_page', when: 'scope not in' },
  'App.chat_page:thread_key': { bad: (l) => l.kind === 'str' && l.value === '', fn: 'app:App.chat_page', when: 'not thread_key' },
  'App.chat_page:sidebar_label': { bad: (l) => l.kind === 'str' && l.value.trim() === '', fn: 'app:App.chat_page', when: 'not sidebar_label' },
  'App.shell:home': { allowed: S.shellHomeValues, fn: 'app:App.shell', when: 'home not in' },
  'App.home:access': { allowed: ACCESS, fn: 'app:App.home', when: 'access not in' },
  'App.home_body:access': { allowed: ACCESS, fn: 'app:App.home_body', when: 'access not in' },
  'App.home_suggestions:access': { allowed: ACCESS, fn: 'app:App.home_suggestions', when: 'access not in' },
  'App.home_suggestions:ttl': { bad: (l) => l.kind === 'num' && l.value < 0, fn: 'app:App.home_suggestions', when: 'ttl < 0' },
  'App.session:name': { bad: (l) => (l.kind === 'str' && l.value === '') || l.kind === 'none', fn: 'app:App.session', when: 'not name' },
  'App.theme:preset': { allowed: S.themePresets, fn: 'theme:resolve_theme', when: 'preset not in' },
  'ui.ChatPanel:height': { bad: (l) => l.kind === 'num' && l.value <= 0, fn: 'ui:ChatPanel.__init__', when: 'height' },
};

/**
 * Checks of a constructor that look at several arguments (Suggestion's one target, a widget's
 * input= without workflow=...). Each returns the raise's `when` fragment and the argument to
 * underline, or undefined when the call passes. `given(p)`: passed and not None.
 */
type Combination = (given: (p: string) => SyntaxNode | undefined, lit: (p: string) => Literal | undefined, text: string) => { fn: string; when: string; at?: SyntaxNode } | undefined;

const TARGETS = ['prompt', 'workflow', 'page', 'action'];
const actionWidget = (fn: string): Combination => (given) => {
  const targets = ['prompt', 'workflow', 'page'].filter((t) => given(t));
  if (targets.length > 1) return { fn: 'ui:_action_target', when: 'len(targets) > 1', at: given(targets[1]!) };
  if (given('input') && given('payload')) return { fn, when: 'input and payload', at: given('payload') };
  if ((given('input') || given('payload')) && !given('workflow')) return { fn, when: '(input or payload)', at: given('input') ?? given('payload') };
  return undefined;
};
/** `filesystems={"/data": ...}`: mount paths are checked when an App with image= serialises them. */
const mountPaths = (fn: string): Combination => (given, _lit, text) => {
  const fs = given('filesystems');
  if (fn === 'App' && !given('image')) return undefined;
  if (fs?.type.name !== 'DictionaryExpression') return undefined;
  for (let c = fs.firstChild; c; c = c.nextSibling) {
    if (c.prevSibling && !['{', ','].includes(c.prevSibling.type.name)) continue;
    const key = literalOf(text, c);
    if (key?.kind !== 'str') continue;
    if (key.value === '') return { fn: 'filesystem:_normalize_app_path', when: 'not path', at: c };
    if (!key.value.startsWith('/')) return { fn: 'filesystem:_normalize_app_path', when: "startswith('/')", at: c };
  }
  return undefined;
};

const COMBINATIONS: Record<string, Combination> = {
  App: mountPaths('App'),
  'App.cls': mountPaths('App.cls'),
  Suggestion: (given) => {
    const targets = TARGETS.filter((t) => given(t));
    if (targets.length !== 1) return { fn: 'home:Suggestion.__post_init__', when: 'sum(targets) != 1', at: targets.length ? given(targets[1]!) : undefined };
    if (given('input') && given('payload')) return { fn: 'home:Suggestion.__post_init__', when: 'self.input and self.payload', at: given('payload') };
    if ((given('input') || given('payload')) && !given('workflow') && !given('action')) return { fn: 'home:Suggestion.__post_init__', when: '(self.input or self.payload)', at: given('input') ?? given('payload') };
    return undefined;
  },
  'ui.ActionCard': actionWidget('ui:ActionCard.__init__'),
  'ui.GalleryCard': actionWidget('ui:ActionCard.__init__'),
  'ui.Image': actionWidget('ui:Image.__init__'),
  FileSystem: (given, lit) => {
    const n = lit('name');
    return n?.kind === 'str' && n.value === '' ? { fn: 'filesystem:FileSystem.__init__', when: 'not name', at: given('name') } : undefined;
  },
  'ui.FileBrowser': (given, lit) => {
    const mount = lit('mount');
    if (mount?.kind === 'str' && !mount.value.startsWith('/')) return { fn: 'ui:FileBrowser.__init__', when: 'not mount', at: given('mount') };
    const path = lit('path');
    if (path?.kind === 'str' && !path.value.startsWith('/')) return { fn: 'ui:FileBrowser.__init__', when: 'not path.startswith', at: given('path') };
    const scope = lit('scope');
    if (scope?.kind === 'str' && scope.value && scope.value !== 'user' && scope.value !== 'owner') return { fn: 'ui:FileBrowser.__init__', when: 'scope and scope not in', at: given('scope') };
    return undefined;
  },
  'ui.Table': (given, lit) => {
    const url = lit('import_url');
    return url?.kind === 'str' && (!url.value.startsWith('#/') || url.value.includes('\\')) ? { fn: 'ui:Table.__init__', when: 'import_url is not None', at: given('import_url') } : undefined;
  },
  'ui.TableGroup': (given, lit) => {
    const label = lit('label');
    return label?.kind === 'str' && label.value === '' ? { fn: 'ui:TableGroup.__init__', when: 'not label', at: given('label') } : undefined;
  },
};

const THEME_PRESET_MESSAGE = (value: string) => `Unknown preset '${value}'. Available: ${S.themePresets!.join(', ')}`;

export interface SdkCallSite {
  /** The CallExpression, or the Decorator whose ArgList is checked. */
  node: SyntaxNode;
  callee: string[];
  args: CallArgs;
  /** Whether the call runs while the module is imported. */
  importTime: boolean;
  kinds: NameKinds;
  /** The entry, when the caller resolved it already. */
  hit?: SdkHit;
}

/** How Python names the callable in a TypeError (`App.collection()`, `Column.__init__()`). */
function qualname(kind: string, name: string, entry: ApiEntry): string {
  if (kind === 'app') return `App.${name}`;
  if (kind === 'session') return `Session.${name}`;
  if (kind === 'workflow') return `Workflow.${name}`;
  return entry.kind === 'class' ? `${name}.__init__` : name;
}

function owner(kind: string, name: string): string {
  if (kind === 'app') return `App.${name}`;
  if (kind === 'session') return `Session.${name}`;
  if (kind === 'workflow') return `Workflow.${name}`;
  if (kind === 'ui') return `ui.${name}`;
  return name;
}

/** Checks one SDK call; returns what it resolved to (for the callers' own rules). */
export function checkSdkCall(ctx: FileContext, site: SdkCallSite): SdkHit | undefined {
  const hit = site.hit ?? sdkEntry(ctx.scope, site.kinds, site.callee);
  if (!hit?.entry.params) return hit;
  const { entry, kind, name } = hit;
  const severity = site.importTime ? 'error' : 'warning';
  const effect = site.importTime ? 'the SDK raises it at import, so the app does not start' : 'the SDK raises it when this runs';
  if (!checkArguments(ctx, site, entry, qualname(kind, name, entry), severity, effect)) return hit;
  const key = owner(kind, name);
  const params = entry.params!;
  const combination = own(COMBINATIONS, key);
  if (combination && !site.args.splat) {
    const given = (n: string) => {
      const p = params.find((x) => x.name === n);
      const node = p ? argNode(site.args, params, p) : undefined;
      return node && node.type.name !== 'None' ? node : undefined;
    };
    const problem = combination(given, (n) => literalOf(ctx.text, given(n)), ctx.text);
    if (problem) {
      const message = catalog.sdk.raises[problem.fn]?.find((r) => r.when.includes(problem.when))?.message ?? `${key}() rejects these arguments`;
      const at = problem.at ?? (site.node.getChild('ArgList') ?? site.node);
      ctx.report('capsule/invalid-argument', severity, at.from, at.to, `${message} (ValueError: ${effect}).`, { data: { rule: problem.when } });
      return hit;
    }
  }
  for (const p of params) {
    const node = argNode(site.args, params, p);
    if (!node) continue;
    const lit = literalOf(ctx.text, node);
    if (!lit) continue;
    const rule = own(VALUE_RULES, `${key}:${p.name}`);
    const checked = rule ? undefined : checkedChoices(entry, p.name);
    if (rule || checked) {
      const allowed = rule?.allowed ?? checked;
      const bad = rule?.bad ? rule.bad(lit) : allowed ? isOutside(lit, allowed, p) : false;
      if (!bad) continue;
      const fn = rule?.fn ?? `session:${key}`;
      const template = catalog.sdk.raises[fn]?.find((r) => r.when.includes(rule?.when ?? `${p.name} not in`))?.message;
      const value = lit.kind === 'str' ? lit.value : lit.kind === 'name' ? lit.value : undefined;
      const suggestion = value !== undefined && allowed ? nearest(value, allowed) : undefined;
      const text = key === 'App.theme' && p.name === 'preset' && lit.kind === 'str'
        ? THEME_PRESET_MESSAGE(lit.value)
        : template
          ? render(template, { [p.name]: repr(lit), ...Object.fromEntries(Object.entries(rule?.sets ?? {}).map(([k, v]) => [k, pySet(v)])) })
          : `${p.name}=${repr(lit)} is not accepted`;
      ctx.report('capsule/invalid-value', severity, node.from, node.to,
        `${text} (ValueError: ${effect}).` + (suggestion ? ` Did you mean "${suggestion}"?` : allowed ? ` Use one of ${allowed.map((a) => `"${a}"`).join(', ')}.` : ''),
        { data: { param: p.name, ...(value !== undefined ? { value } : {}), ...(allowed ? { allowed } : {}), ...(suggestion ? { suggestion } : {}) } });
      // Python stops at the first exception.
      break;
    }
    // `access=` of decorators has its own code (capsule/invalid-access).
    if (p.name === 'access' || !p.literals || lit.kind !== 'str') continue;
    const allowed = p.literals.filter((v): v is string => typeof v === 'string');
    if (allowed.includes(lit.value)) continue;
    const suggestion = nearest(lit.value, allowed);
    ctx.report('capsule/unknown-value', 'warning', node.from, node.to,
      `"${lit.value}" is not a value of ${p.type ?? p.name} for ${p.name}= of ${key}(): the SDK accepts ${allowed.map((a) => `"${a}"`).join(', ')}. ` +
        'It does not check this one itself, so the value reaches the platform as written.' + (suggestion ? ` Did you mean "${suggestion}"?` : ''),
      { data: { param: p.name, value: lit.value, allowed, ...(suggestion ? { suggestion } : {}) } });
  }
  return hit;
}

export type SdkHit = NonNullable<ReturnType<typeof sdkEntry>>;

function isOutside(lit: Literal, allowed: string[], p: ParamInfo): boolean {
  if (lit.kind === 'str' || lit.kind === 'name') return !allowed.includes(lit.value);
  // A default of None is accepted where the parameter is optional (None is never in these sets).
  if (lit.kind === 'none') return p.default !== 'None';
  return true;
}

/** The node passed for a parameter, by keyword or position. */
export function argNode(args: CallArgs, params: ParamInfo[], p: ParamInfo): SyntaxNode | undefined {
  const kw = args.keywords.get(p.name)?.value;
  if (kw) return kw;
  if (p.kind !== 'positional' && p.kind !== 'either') return undefined;
  const index = params.filter((x) => x.kind === 'positional' || x.kind === 'either').indexOf(p);
  return index >= 0 ? args.positional[index] : undefined;
}

/** TypeErrors of the call itself, in CPython's order. False when one was reported. */
function checkArguments(ctx: FileContext, site: SdkCallSite, entry: ApiEntry, qual: string, severity: 'error' | 'warning', effect: string): boolean {
  const params = entry.params!;
  const { args } = site;
  const positionalParams = params.filter((p) => p.kind === 'positional' || p.kind === 'either');
  const varargs = params.some((p) => p.kind === 'varargs');
  const varkw = params.some((p) => p.kind === 'varkw');
  const report = (from: number, to: number, message: string, data: Record<string, unknown>) => {
    ctx.report('capsule/invalid-argument', severity, from, to, `${message} (TypeError: ${effect}).`, { data });
    return false;
  };
  // Decorators and methods count `self` in CPython's message.
  const self = qual.includes('.') && entry.kind !== 'static' ? 1 : 0;
  if (!args.splat && !varargs && args.positional.length > positionalParams.length) {
    const extra = args.positional[positionalParams.length]!;
    return report(extra.from, args.positional[args.positional.length - 1]!.to,
      `${qual}() takes ${positionalParams.length + self} positional argument${positionalParams.length + self === 1 ? '' : 's'} but ${args.positional.length + self} were given`,
      { extra: args.positional.length - positionalParams.length });
  }
  if (!varkw) {
    const names = new Set(params.filter((p) => p.kind === 'either' || p.kind === 'keyword').map((p) => p.name));
    for (const [kw, arg] of args.keywords) {
      if (names.has(kw)) {
        const index = positionalParams.findIndex((p) => p.name === kw);
        if (index >= 0 && index < args.positional.length) {
          return report(arg.nameNode.from, arg.value.to, `${qual}() got multiple values for argument '${kw}'`, { keyword: kw });
        }
        continue;
      }
      const suggestion = nearest(kw, [...names].filter((n) => !args.keywords.has(n)));
      return report(arg.nameNode.from, arg.nameNode.to, `${qual}() got an unexpected keyword argument '${kw}'` + (suggestion ? `; did you mean ${suggestion}=?` : ''),
        { keyword: kw, ...(suggestion ? { suggestion } : {}) });
    }
  }
  if (args.splat) return true;
  const missingPos = positionalParams.filter((p, i) => p.default === undefined && i >= args.positional.length && !args.keywords.has(p.name)).map((p) => p.name);
  const missingKw = params.filter((p) => p.kind === 'keyword' && p.default === undefined && !args.keywords.has(p.name)).map((p) => p.name);
  const missing = missingPos.length ? missingPos : missingKw;
  if (missing.length) {
    const what = missingPos.length ? 'positional' : 'keyword-only';
    const list = missing.map((m) => `'${m}'`);
    const names = list.length === 1 ? list[0] : `${list.slice(0, -1).join(', ')}${list.length > 2 ? ',' : ''} and ${list[list.length - 1]}`;
    const at = site.node.type.name === 'Decorator' ? site.node : (site.node.getChild('ArgList') ?? site.node);
    return report(at.from, at.to, `${qual}() missing ${missing.length} required ${what} argument${missing.length === 1 ? '' : 's'}: ${names}`, { missing });
  }
  return true;
}
