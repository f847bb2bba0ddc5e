// Completion: integration types, declared integrations where one is used, scopes of the provider
// being declared, secret and channel names from local state, `cpsl.` and `cpsl.Integration.`
// members, keyword arguments of SDK calls and `access=` values. Strings the user has not closed
// yet are closed by the edit.
import { CompletionItemKind, CompletionItemTag, InsertTextFormat, MarkupKind, type CompletionItem, type CompletionList } from 'vscode-languageserver-types';
import { catalog, knownScopes, type ApiEntry } from '../../catalog/catalog';
import type { FileInput, Providers } from './input';
import type { SyntaxNode } from '@lezer/common';
import { callArgs, dottedName, type AppModel } from '../analysis/index';
import { argumentAt, memberAt, stringAt, stringRole, USE_METHODS, type StringRole, type StringSite } from './cursor';
import { contains } from './at-cursor';
import { describeIntegration, secretOrigin } from './describe';
import { entryForCallee, membersOf, paramChoices } from './api-lookup';

interface Candidate {
  value: string;
  kind: CompletionItemKind;
  detail?: string;
  description?: string;
  doc?: string;
  /** Lower sorts first. */
  rank: number;
  deprecated?: boolean;
}

export function complete(input: FileInput, providers: Providers, offset: number): CompletionList {
  const site = stringAt(input, offset);
  if (site) {
    const role = stringRole(input, site);
    if (!role) return { isIncomplete: false, items: [] };
    const { candidates, complete } = stringCandidates(input, providers, role, site);
    return { isIncomplete: !complete, items: candidates.map((c) => stringItem(input, site, c)) };
  }
  const arg = argumentAt(input, offset);
  if (arg?.valueFor) return { isIncomplete: false, items: valueItems(input, arg.valueFor, arg.call.callee, offset) };
  if (arg) {
    const items = keywordItems(input, arg.call.callee, arg.call.argList, arg.used, arg.from, offset);
    if (items.length) return { isIncomplete: false, items };
  }
  const member = memberAt(input, offset);
  if (member) return { isIncomplete: false, items: memberItems(input, providers.model, member.object, member.from, offset) };
  return { isIncomplete: false, items: [] };
}

function stringCandidates(input: FileInput, providers: Providers, role: StringRole, site: StringSite): { candidates: Candidate[]; complete: boolean } {
  const model = providers.model;
  switch (role.kind) {
    case 'integration-type':
      return { candidates: integrationCandidates(new Set(), 0), complete: true };
    case 'integration-use': {
      // Integrations the app declares come first: using anything else is a mistake.
      const declared = new Set<string>();
      for (const d of model?.integrations ?? []) if (d.type) declared.add(d.type);
      const out: Candidate[] = [];
      for (const d of model?.integrations ?? []) {
        if (!d.type || out.some((c) => c.value === d.type)) continue;
        const info = catalog.integrations.get(d.type);
        out.push({
          value: d.type,
          kind: CompletionItemKind.Reference,
          detail: `declared on ${d.app || 'the app'} (${d.mode ?? info?.mode ?? 'custom'})`,
          description: 'declared',
          doc: describeIntegration(d.type, d),
          rank: 0,
        });
      }
      return { candidates: [...out, ...integrationCandidates(declared, 1)], complete: true };
    }
    case 'scope': {
      const scopes = role.integration ? knownScopes(role.integration) : undefined;
      if (!scopes) return { candidates: [], complete: true };
      const present = new Set(role.present);
      const out: Candidate[] = [];
      for (const [name, doc] of scopes) {
        if (present.has(name)) continue;
        out.push({ value: name, kind: CompletionItemKind.EnumMember, detail: doc, doc: `Scope of ${catalog.integrations.get(role.integration!)?.title ?? role.integration}: ${doc}`, rank: 0 });
      }
      return { candidates: out, complete: true };
    }
    case 'secret': {
      const present = new Set(role.present);
      const out: Candidate[] = [];
      for (const [name, origin] of providers.state.secrets.names) {
        if (present.has(name)) continue;
        const where = secretOrigin(origin);
        out.push({ value: name, kind: CompletionItemKind.Constant, detail: `secret (${where})`, description: origin.source === 'store' ? 'store' : '.env', doc: `Secret **${name}**, defined in ${where}. Its value is not shown.`, rank: 0 });
      }
      // Names the app already refers to elsewhere, even if not defined locally yet.
      const known = new Set(out.map((c) => c.value));
      for (const ref of providers.model?.secrets ?? []) {
        if (known.has(ref.name) || present.has(ref.name) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(ref.name)) continue;
        // The string being edited is itself a reference: it is not a suggestion.
        if (ref.location.path === input.path && contains(ref.location.range, input.index.positionAt(site.contentFrom))) continue;
        known.add(ref.name);
        out.push({ value: ref.name, kind: CompletionItemKind.Constant, detail: 'secret used by the app (not defined locally)', description: 'undefined', rank: 1 });
      }
      return { candidates: out, complete: providers.state.secrets.complete };
    }
    case 'channel': {
      const out: Candidate[] = [];
      for (const [name, origin] of providers.state.channels.names) {
        const type = origin.channelType ? catalog.channels.get(origin.channelType)?.title ?? origin.channelType : 'channel';
        out.push({ value: name, kind: CompletionItemKind.Constant, detail: `${type} channel (local store)`, description: origin.channelType ?? 'store', rank: 0 });
      }
      return { candidates: out, complete: providers.state.channels.complete };
    }
    case 'access':
      return { candidates: catalog.accessLevels.map((a, i) => ({ value: a, kind: CompletionItemKind.EnumMember, detail: 'access level', rank: i })), complete: true };
    case 'reference': {
      const names = (model?.names ?? []).filter((n) => n.kind === role.ref);
      const what = { setting: 'setting', data: 'data source', collection: 'collection', 'workflow-action': 'workflow action', 'app-action': 'action' }[role.ref];
      return { candidates: names.map((n, i) => ({ value: n.name, kind: CompletionItemKind.Reference, detail: `${what} declared by the app`, rank: i })), complete: true };
    }
    case 'choice':
      return {
        candidates: role.values.filter((v) => typeof v === 'string').map((v, i) => ({ value: String(v), kind: CompletionItemKind.EnumMember, detail: `${role.param}= of ${role.signature.split('(')[0]}`, rank: i })),
        complete: true,
      };
  }
}

function integrationCandidates(skip: Set<string>, rank: number): Candidate[] {
  const out: Candidate[] = [];
  for (const info of catalog.integrations.values()) {
    if (skip.has(info.type)) continue;
    out.push({ value: info.type, kind: CompletionItemKind.EnumMember, detail: `${info.title} (${info.mode})`, description: info.mode, doc: describeIntegration(info.type), rank });
  }
  return out;
}

function sortText(rank: number, value: string): string {
  return `${rank}_${value}`;
}

function stringItem(input: FileInput, site: StringSite, c: Candidate): CompletionItem {
  const range = input.index.range(site.contentFrom, site.contentTo);
  const close = site.terminated ? '' : site.quote;
  return {
    label: c.value,
    kind: c.kind,
    ...(c.detail ? { detail: c.detail } : {}),
    ...(c.description ? { labelDetails: { description: c.description } } : {}),
    ...(c.doc ? { documentation: { kind: MarkupKind.Markdown, value: c.doc } } : {}),
    sortText: sortText(c.rank, c.value),
    filterText: c.value,
    textEdit: { range, newText: escapeFor(c.value, site.quote) + close },
  };
}

function escapeFor(value: string, quote: string): string {
  return value.replace(/\\/g, '\\\\').split(quote).join(`\\${quote}`);
}

function apiKind(entry: ApiEntry): CompletionItemKind {
  switch (entry.kind) {
    case 'class':
      return CompletionItemKind.Class;
    case 'function':
      return CompletionItemKind.Function;
    case 'enum':
      return CompletionItemKind.Enum;
    case 'constant':
      return CompletionItemKind.Constant;
    default:
      return CompletionItemKind.Method;
  }
}

export function apiDoc(entry: ApiEntry): string {
  // SDK docstrings are reStructuredText: ``x`` is inline code there.
  const parts = ['```python\n' + entry.signature + '\n```', entry.doc.replace(/``([^`]+)``/g, '`$1`')];
  if (entry.deprecated) parts.push(`**Deprecated.** ${entry.deprecated}`);
  if (entry.localSupport === false) parts.push('_Not available in Capsule Local yet: the local runtime raises when it is used._');
  if (entry.local) parts.push(`**Capsule Local:** ${entry.local}`);
  return parts.join('\n\n');
}

/** Whether the expression at `offset` is the integration argument of a use (prompt_integration(...), integrations.get(...)). */
function isUseArgument(input: FileInput, offset: number): boolean {
  for (let n: SyntaxNode | null = input.tree.resolveInner(offset, -1); n; n = n.parent) {
    if (n.type.name !== 'ArgList') continue;
    const callee = n.parent?.type.name === 'CallExpression' ? dottedName(input.text, n.parent.firstChild) : undefined;
    const tail = callee?.[callee.length - 1];
    return !!tail && (USE_METHODS.has(tail) || (tail === 'get' && callee![callee!.length - 2] === 'integrations'));
  }
  return false;
}

function memberItems(input: FileInput, model: AppModel | undefined, object: string[], from: number, offset: number): CompletionItem[] {
  const { scope, index } = input;
  const range = index.range(from, offset);
  const item = (label: string, kind: CompletionItemKind, detail: string, doc: string, deprecated: boolean, rank = 0): CompletionItem => ({
    label,
    kind,
    detail,
    documentation: { kind: MarkupKind.Markdown, value: doc },
    sortText: sortText(deprecated ? 9 : rank, label),
    ...(deprecated ? { tags: [CompletionItemTag.Deprecated] } : {}),
    textEdit: { range, newText: label },
  });
  const members = membersOf(input, object);
  if (members && members.kind !== 'app') {
    const kind = (e: ApiEntry) => (members.kind === 'module' || members.kind === 'ui' ? apiKind(e) : e.kind === 'property' || e.kind === 'attribute' ? CompletionItemKind.Property : CompletionItemKind.Method);
    return Object.entries(members.table).map(([name, e]) => item(name, kind(e), e.signature, apiDoc(e), !!e.deprecated));
  }
  const path = scope.cpslPath(object);
  if (path?.length === 1 && path[0] === 'Integration') {
    // Where an integration is used, the ones the app declares come first.
    const declared = isUseArgument(input, from) ? new Set((model?.integrations ?? []).map((d) => d.type)) : new Set<string | undefined>();
    return [...catalog.integrations.values()].map((info) =>
      item(info.enum, CompletionItemKind.EnumMember, `"${info.type}" — ${info.title} (${info.mode})${declared.has(info.type) ? ', declared' : ''}`, describeIntegration(info.type), false, declared.has(info.type) ? 0 : declared.size ? 1 : 0),
    );
  }
  if (members?.kind === 'app') {
    return Object.entries(members.table).map(([name, e]) => item(name, CompletionItemKind.Method, e.signature, apiDoc(e), false, e.localSupport === false ? 5 : 0));
  }
  return [];
}

function keywordItems(input: FileInput, callee: string[] | undefined, argList: SyntaxNode, used: Set<string>, from: number, offset: number): CompletionItem[] {
  const entry = entryForCallee(input, callee);
  if (!entry?.kwargs) return [];
  // Parameters already given by position are not offered again as keywords.
  const positional = callArgs(input.text, argList).positional.filter((n) => n.to < from).length;
  for (const p of (entry.params ?? []).slice(0, positional)) if (p.kind === 'either') used = new Set([...used, p.name]);
  const range = input.index.range(from, offset);
  return entry.kwargs
    .filter((k) => !used.has(k))
    .map((k, i) => ({
      label: `${k}=`,
      kind: CompletionItemKind.Property,
      ...(defaultOf(entry, k) !== undefined ? { labelDetails: { description: `default ${defaultOf(entry, k)}` } } : {}),
      detail: entry!.signature,
      documentation: { kind: MarkupKind.Markdown, value: apiDoc(entry!) },
      sortText: sortText(0, String(i).padStart(3, '0')),
      filterText: k,
      insertTextFormat: InsertTextFormat.PlainText,
      textEdit: { range, newText: `${k}=` },
    }));
}

function defaultOf(entry: ApiEntry, name: string): string | undefined {
  return entry.params?.find((p) => p.name === name)?.default;
}

function valueItems(input: FileInput, keyword: string, callee: string[] | undefined, offset: number): CompletionItem[] {
  if (!callee) return [];
  const entry = entryForCallee(input, callee);
  const values = keyword === 'access' ? catalog.accessLevels : entry ? paramChoices(entry, keyword)?.filter((v): v is string => typeof v === 'string') : undefined;
  if (!values) return [];
  const range = input.index.range(offset, offset);
  const def = entry ? defaultOf(entry, keyword) : undefined;
  return values.map((a, i) => ({
    label: `"${a}"`,
    kind: CompletionItemKind.EnumMember,
    detail: keyword === 'access' ? 'access level' : `${keyword}=`,
    ...(def === `'${a}'` ? { labelDetails: { description: 'default' } } : {}),
    sortText: sortText(i, a),
    filterText: a,
    textEdit: { range, newText: `"${a}"` },
  }));
}
