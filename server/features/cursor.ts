// What the cursor is in, read from the lezer tree: which string argument of which SDK call, which
// argument list (for keyword names), or which `x.` member access. @lezer/python keeps a string the
// user is still typing (no closing quote yet) inside its call, which is what makes this work while
// typing.
import type { SyntaxNode } from '@lezer/common';
import { catalog, integrationByConfig } from '../../catalog/catalog';
import { dottedName, stringValue, isStringNode, callArgs, type Scope } from '../analysis/index';
import type { FileInput } from './input';
import { activeParam, hitForCallee, paramChoices } from './api-lookup';
import { REFERENCES } from '../analysis/app-names';

export const USE_METHODS = new Set(['prompt_integration', 'require_integration', 'get_integration', 'show_integration']);

export type StringRole =
  | { kind: 'integration-type' }
  | { kind: 'integration-use' }
  | { kind: 'scope'; integration: string | undefined; present: string[] }
  | { kind: 'secret'; via: 'from-name' | 'app-secrets' | 'environ'; present: string[] }
  | { kind: 'channel' }
  | { kind: 'access' }
  /** A parameter whose values the SDK names (`scope=`, `mode=`, `Column(type=)`...). */
  | { kind: 'choice'; param: string; values: Array<string | number | boolean>; signature: string }
  /** A name the app declares (`setting=`, `data=`, `collection=`, `action=`, `on_click=`). */
  | { kind: 'reference'; ref: 'setting' | 'data' | 'collection' | 'workflow-action' | 'app-action'; via: string };

export interface StringSite {
  node: SyntaxNode;
  /** Offset just after the opening quote. */
  contentFrom: number;
  /** End of the text a completion replaces: before the closing quote, or the end of the word being typed. */
  contentTo: number;
  quote: string;
  terminated: boolean;
  /** What the user typed so far (contentFrom..cursor). */
  prefix: string;
}

const LITERAL_START = /^[rRbBuUfF]{0,2}('''|"""|'|")/;
const WORD_CHARS = /[A-Za-z0-9_.:\-/]/;

/** The string literal the cursor is inside (single-line literals only). */
export function stringAt(input: FileInput, offset: number): StringSite | undefined {
  const { text, tree } = input;
  let node: SyntaxNode | null = tree.resolveInner(offset, -1);
  while (node && node.type.name !== 'String' && node.type.name !== 'FormatString') {
    if (node.type.name === 'ContinuedString') {
      // The cursor sits in a part of a continued string: find that part.
      let part: SyntaxNode | null = node.firstChild;
      while (part && !(part.from < offset && offset <= part.to)) part = part.nextSibling;
      node = part;
      break;
    }
    node = node.parent;
  }
  if (!node || !(node.from < offset && offset <= node.to)) return undefined;
  const token = text.slice(node.from, node.to);
  const m = LITERAL_START.exec(token);
  if (!m || m[1]!.length === 3) return undefined;
  const quote = m[1]!;
  const contentFrom = node.from + m[0].length;
  if (offset < contentFrom) return undefined;
  const lineEnd = text.indexOf('\n', node.from);
  if (lineEnd !== -1 && lineEnd < offset) return undefined;
  const terminated = token.length > m[0].length && token.endsWith(quote) && !/(^|[^\\])(\\\\)*\\$/.test(token.slice(0, -1));
  let contentTo: number;
  if (terminated) {
    contentTo = node.to - quote.length;
    if (offset > contentTo) return undefined;
  } else {
    contentTo = offset;
    const end = Math.min(node.to, lineEnd === -1 ? text.length : lineEnd);
    while (contentTo < end && WORD_CHARS.test(text[contentTo]!)) contentTo++;
  }
  return { node, contentFrom, contentTo, quote, terminated, prefix: text.slice(contentFrom, offset) };
}

/** Calls whose arguments we know: the callee path (`["app", "add_integration"]`) and its ArgList. */
interface CallSite {
  callee: string[] | undefined;
  argList: SyntaxNode;
  call: SyntaxNode;
  decorator: boolean;
}

function callOfArgList(text: string, argList: SyntaxNode): CallSite | undefined {
  const call = argList.parent;
  if (!call) return undefined;
  if (call.type.name === 'CallExpression') return { callee: dottedName(text, call.firstChild), argList, call, decorator: false };
  if (call.type.name === 'Decorator') {
    const names: string[] = [];
    for (let c = call.firstChild; c && c.type.name !== 'ArgList'; c = c.nextSibling) {
      if (c.type.name === 'VariableName') names.push(text.slice(c.from, c.to));
    }
    return { callee: names, argList, call, decorator: true };
  }
  return undefined;
}

/** The keyword of an argument (`scopes` for the value of `scopes=[...]`), if it is one. */
function keywordOf(text: string, arg: SyntaxNode): string | undefined {
  const op = arg.prevSibling;
  if (op?.type.name !== 'AssignOp') return undefined;
  const kw = op.prevSibling;
  return kw?.type.name === 'VariableName' ? text.slice(kw.from, kw.to) : undefined;
}

/** Index of a positional argument (undefined after a keyword argument). */
function positionalIndex(arg: SyntaxNode): number | undefined {
  let index = 0;
  for (let c = arg.prevSibling; c; c = c.prevSibling) {
    if (c.type.name === ',') index++;
    if (c.type.name === 'AssignOp') return undefined;
  }
  return index;
}

function isIntegrationsAttr(text: string, node: SyntaxNode | null | undefined): boolean {
  const parts = dottedName(text, node);
  return !!parts && parts.length >= 2 && parts[parts.length - 1] === 'integrations';
}

export function isEnviron(scope: Scope, parts: string[] | undefined): boolean {
  if (!parts) return false;
  return (parts.length === 2 && parts[1] === 'environ' && (scope.osModules.has(parts[0]!) || parts[0] === 'os')) || (parts.length === 1 && scope.environNames.has(parts[0]!));
}

function isGetenv(scope: Scope, parts: string[] | undefined): boolean {
  if (!parts) return false;
  return (parts.length === 2 && parts[1] === 'getenv' && (scope.osModules.has(parts[0]!) || parts[0] === 'os')) || (parts.length === 1 && scope.getenvNames.has(parts[0]!));
}

function listValues(text: string, list: SyntaxNode, except: SyntaxNode): string[] {
  const out: string[] = [];
  for (let c = list.firstChild; c; c = c.nextSibling) {
    if (c.from === except.from || !isStringNode(c)) continue;
    const v = stringValue(text, c);
    if (v?.terminated) out.push(v.value);
  }
  return out;
}

/** The integration type an add_integration / config call declares, when it is a literal. */
export function declaredTypeOf(input: FileInput, site: CallSite): string | undefined {
  const { text, scope } = input;
  const path = scope.cpslPath(site.callee);
  if (path?.length === 1) {
    const info = integrationByConfig(path[0]!);
    if (info) return info.type;
  }
  const args = callArgs(text, site.argList);
  const first = args.positional[0] ?? args.keywords.get('integration_type')?.value ?? args.keywords.get('type')?.value;
  if (!first) return undefined;
  if (isStringNode(first)) {
    const v = stringValue(text, first);
    return v?.terminated ? v.value : undefined;
  }
  if (first.type.name === 'CallExpression') {
    const p = scope.cpslPath(dottedName(text, first.firstChild));
    return p?.length === 1 ? integrationByConfig(p[0]!)?.type : undefined;
  }
  const p = scope.cpslPath(dottedName(text, first));
  if (p?.length === 2 && p[0] === 'Integration') {
    for (const info of catalog.integrations.values()) if (info.enum === p[1]) return info.type;
  }
  return undefined;
}

/** What a string at the cursor stands for, from the call or subscript around it. */
export function stringRole(input: FileInput, site: StringSite): StringRole | undefined {
  const { text, scope } = input;
  let arg: SyntaxNode = site.node;
  if (arg.parent?.type.name === 'ContinuedString') arg = arg.parent;
  const parent = arg.parent;
  if (!parent) return undefined;
  const pname = parent.type.name;
  if (pname === 'MemberExpression' && parent.getChild('[')) {
    const object = parent.firstChild;
    if (isIntegrationsAttr(text, object)) return { kind: 'integration-use' };
    if (isEnviron(scope, dottedName(text, object))) return { kind: 'secret', via: 'environ', present: [] };
    return undefined;
  }
  if (pname === 'ArrayExpression' || pname === 'ArrayComprehensionExpression' || pname === 'TupleExpression') {
    const outer = parent.parent;
    if (outer?.type.name !== 'ArgList') return undefined;
    const kw = keywordOf(text, parent);
    const site2 = callOfArgList(text, outer);
    if (!kw || !site2) return undefined;
    const path = scope.cpslPath(site2.callee);
    const tail = site2.callee?.[site2.callee.length - 1];
    if (kw === 'secrets' && path?.length === 1 && path[0] === 'App') return { kind: 'secret', via: 'app-secrets', present: listValues(text, parent, site.node) };
    const declares = tail === 'add_integration' || (path?.length === 1 && (path[0] === 'IntegrationConfig' || !!integrationByConfig(path[0]!)));
    if (kw === 'scopes' && declares) return { kind: 'scope', integration: declaredTypeOf(input, site2), present: listValues(text, parent, site.node) };
    return undefined;
  }
  if (pname !== 'ArgList') return undefined;
  const call = callOfArgList(text, parent);
  if (!call?.callee) return undefined;
  const kw = keywordOf(text, arg);
  const index = kw ? undefined : positionalIndex(arg);
  const tail = call.callee[call.callee.length - 1]!;
  if (kw === 'access') return { kind: 'access' };
  const hit = hitForCallee(input, call.callee);
  const entry = hit?.entry;
  if (hit && entry?.params) {
    const i = activeParam(entry.params, kw, index ?? -1);
    const param = i >= 0 ? entry.params[i]!.name : undefined;
    const owner = hit.kind === 'ui' ? `ui.${hit.name}` : hit.kind === 'session' ? `session.${hit.name}` : hit.name;
    const ref = param ? REFERENCES[`${owner}:${param}`] : undefined;
    if (ref) return { kind: 'reference', ref, via: `${param}= of ${owner}` };
    const values = param ? paramChoices(entry, param) : undefined;
    if (param && values?.length) return { kind: 'choice', param, values, signature: entry.signature };
  }
  if (call.decorator) return undefined;
  const path = scope.cpslPath(call.callee);
  const first = index === 0;
  if (path?.join('.') === 'Secret.from_name' && (first || kw === 'name')) return { kind: 'secret', via: 'from-name', present: [] };
  if (path?.join('.') === 'Channel' && (first || kw === 'name')) return { kind: 'channel' };
  if (path?.join('.') === 'IntegrationConfig' && (first || kw === 'type')) return { kind: 'integration-type' };
  if (tail === 'add_integration' && call.callee.length > 1 && (first || kw === 'integration_type')) return { kind: 'integration-type' };
  if (USE_METHODS.has(tail) && call.callee.length > 1 && (first || kw === 'integration' || kw === 'integration_type')) return { kind: 'integration-use' };
  if (tail === 'get' && first && isIntegrationsAttr(text, call.call.firstChild?.firstChild)) return { kind: 'integration-use' };
  if (first && isGetenv(scope, call.callee)) return { kind: 'secret', via: 'environ', present: [] };
  if (first && tail === 'get' && isEnviron(scope, call.callee.slice(0, -1))) return { kind: 'secret', via: 'environ', present: [] };
  return undefined;
}

export interface ArgumentSite {
  call: CallSite;
  /** The identifier typed so far and where it starts. */
  prefix: string;
  from: number;
  /** Keywords already given in this call. */
  used: Set<string>;
  /** The cursor follows `keyword=` (a value position). */
  valueFor?: string;
}

const BLOCKERS = new Set(['ArrayExpression', 'ArrayComprehensionExpression', 'DictionaryExpression', 'TupleExpression', 'ParenthesizedExpression', 'SetExpression', 'String', 'FormatString', 'Comment', 'Body', 'Lambda']);

/** The argument list the cursor is in, at the start of an argument (where a keyword can go). */
export function argumentAt(input: FileInput, offset: number): ArgumentSite | undefined {
  const { text, tree } = input;
  const word = /[A-Za-z_][A-Za-z0-9_]*$/.exec(text.slice(Math.max(0, offset - 80), offset));
  const from = offset - (word ? word[0].length : 0);
  let i = from - 1;
  while (i >= 0 && /\s/.test(text[i]!)) i--;
  const before = text[i];
  let valueFor: string | undefined;
  if (before === '=' && text[i - 1] !== '=' && !word) {
    let j = i - 1;
    while (j >= 0 && /[ \t]/.test(text[j]!)) j--;
    const kw = /[A-Za-z_][A-Za-z0-9_]*$/.exec(text.slice(Math.max(0, j - 79), j + 1));
    if (!kw) return undefined;
    valueFor = kw[0];
  } else if (before !== '(' && before !== ',') return undefined;
  let node: SyntaxNode | null = tree.resolveInner(i + 1, -1);
  for (; node; node = node.parent) {
    if (node.type.name === 'ArgList') break;
    if (BLOCKERS.has(node.type.name) && node.from < i) return undefined;
  }
  if (!node) return undefined;
  const close = node.lastChild;
  if (close?.type.name === ')' && close.from < offset) return undefined;
  const call = callOfArgList(text, node);
  if (!call) return undefined;
  const used = new Set(callArgs(text, node).keywords.keys());
  return { call, prefix: word ? word[0] : '', from, used, ...(valueFor ? { valueFor } : {}) };
}

export interface MemberSite {
  object: string[];
  prefix: string;
  from: number;
}

/** `cpsl.Int|`: the dotted object before the last dot and the member typed so far. */
export function memberAt(input: FileInput, offset: number): MemberSite | undefined {
  const { text, tree } = input;
  const m = /([A-Za-z_][A-Za-z0-9_]*(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)?$/.exec(text.slice(Math.max(0, offset - 200), offset));
  if (!m) return undefined;
  const inner = tree.resolveInner(offset, -1);
  for (let n: SyntaxNode | null = inner; n; n = n.parent) {
    if (n.type.name === 'Comment' || ((n.type.name === 'String' || n.type.name === 'FormatString') && n.from < offset && offset < n.to)) return undefined;
  }
  const object = m[1]!.split('.').map((s) => s.trim());
  const prefix = m[2] ?? '';
  // A number such as `1.5` is not a member access.
  if (/^[0-9]/.test(object[0]!)) return undefined;
  return { object, prefix, from: offset - prefix.length };
}
