// `app.add_integration(...)`: what it declares, and the ValueErrors the SDK raises at import time,
// checked in the SDK's own order so that the first reported error is the one Python would raise.
import type { SyntaxNode } from '@lezer/common';
import { catalog, integrationByConfig, integrationByEnum, isKnownScope, knownScopes, nearest } from '../../catalog/catalog';
import type { IntegrationDecl } from './types';
import type { RawIntegration } from './model-types';
import type { FileContext } from './summary';
import { callArgs, type CallArgs } from './syntax';
import { isStringNode, stringValue } from './strings';

type Mode = 'oauth' | 'secret' | 'pipedream';

// Scope lookups build maps from the catalog; the answers never change, so remember them.
const scopeAnswers = new Map<string, boolean>();
const scopeLists = new Map<string, Map<string, string> | undefined>();
function scopeKnown(type: string, scope: string): boolean {
  const key = `${type}\0${scope}`;
  let known = scopeAnswers.get(key);
  if (known === undefined) {
    known = isKnownScope(type, scope);
    if (scopeAnswers.size < 10_000) scopeAnswers.set(key, known);
  }
  return known;
}
function scopesFor(type: string): Map<string, string> | undefined {
  if (!scopeLists.has(type)) scopeLists.set(type, knownScopes(type));
  return scopeLists.get(type);
}

/**
 * The integration type named by an expression: a string, `cpsl.Integration.X`, an `INTEGRATION_X`
 * constant or a config call. Reports unknown `Integration` members. Undefined when dynamic.
 */
export function integrationTypeOf(ctx: FileContext, node: SyntaxNode, depth = 0): string | undefined {
  const { text } = ctx;
  if (isStringNode(node)) {
    const v = stringValue(text, node);
    return v?.terminated ? v.value : undefined;
  }
  if (node.type.name === 'MemberExpression' || node.type.name === 'VariableName') {
    const path = ctx.scope.cpslPath(dottedOf(ctx, node));
    if (!path) return undefined;
    if (path.length === 2 && path[0] === 'Integration') {
      const info = integrationByEnum(path[1]!);
      if (info) return info.type;
      const members = [...catalog.integrations.values()].map((i) => i.enum);
      const suggestion = nearest(path[1]!, members);
      const member = node.lastChild!;
      ctx.report(
        'capsule/unknown-integration',
        'warning',
        member.from,
        member.to,
        `cpsl.Integration has no member ${path[1]} (AttributeError at runtime).` +
          (suggestion ? ` Did you mean Integration.${suggestion}?` : ` Members: ${members.join(', ')}.`),
        { data: { member: path[1], ...(suggestion ? { suggestion } : {}) } },
      );
      return undefined;
    }
    if (path.length === 1 && path[0]!.startsWith('INTEGRATION_')) return integrationByEnum(path[0]!.slice('INTEGRATION_'.length))?.type;
    return undefined;
  }
  if (node.type.name === 'CallExpression') {
    const path = ctx.cpslCallee(node);
    if (path?.length !== 1) return undefined;
    const info = integrationByConfig(path[0]!);
    if (info) return info.type;
    if (path[0] === 'IntegrationConfig' || path[0] === 'Pipedream') {
      const args = callArgs(text, node.getChild('ArgList'));
      const t = args.positional[0] ?? args.keywords.get(path[0] === 'Pipedream' ? 'app_slug' : 'type')?.value;
      // IntegrationConfig(IntegrationConfig(...)) nested thousands deep must not recurse.
      return t && depth < 8 ? integrationTypeOf(ctx, t, depth + 1) : undefined;
    }
  }
  return undefined;
}

function dottedOf(ctx: FileContext, node: SyntaxNode): string[] | undefined {
  const parts: string[] = [];
  let n: SyntaxNode | null = node;
  while (n) {
    if (n.type.name === 'VariableName') return [ctx.text.slice(n.from, n.to), ...parts.reverse()];
    if (n.type.name !== 'MemberExpression' || n.lastChild?.type.name !== 'PropertyName') return undefined;
    parts.push(ctx.text.slice(n.lastChild.from, n.lastChild.to));
    n = n.firstChild;
  }
  return undefined;
}

/** How an option argument was given. */
interface Option {
  node: SyntaxNode;
  /** Present and not None. */
  notNone: boolean;
  /** Truthy as far as the source shows (unknown values count as truthy). */
  truthy: boolean;
  /** Static string list (scopes, fields), when the literal shows it. */
  list?: Array<{ value: string; node: SyntaxNode }>;
  /** Some list element is not a plain string. */
  listDynamic?: boolean;
}

/** An option given as `name=` or, for IntegrationConfig's dataclass fields, at position `index`. */
function option(ctx: FileContext, args: CallArgs, name: string, index?: number): Option | undefined {
  const node = args.keywords.get(name)?.value ?? (index !== undefined ? args.positional[index] : undefined);
  if (!node) return undefined;
  const t = node.type.name;
  if (t === 'None') return { node, notNone: false, truthy: false };
  if (isStringNode(node)) {
    const v = stringValue(ctx.text, node);
    return { node, notNone: true, truthy: v === undefined || v.value !== '' };
  }
  if (t === 'ArrayExpression' || t === 'TupleExpression') {
    const list: Array<{ value: string; node: SyntaxNode }> = [];
    let listDynamic = false;
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (['[', ']', '(', ')', ',', 'Comment'].includes(c.type.name)) continue;
      const v = isStringNode(c) ? stringValue(ctx.text, c) : undefined;
      if (v?.terminated) list.push({ value: v.value, node: c });
      else listDynamic = true;
    }
    return { node, notNone: true, truthy: list.length > 0 || listDynamic, list, listDynamic };
  }
  return { node, notNone: true, truthy: true };
}

function modeLiteral(ctx: FileContext, node: SyntaxNode | undefined): Mode | '' | undefined {
  if (!node) return '';
  if (isStringNode(node)) {
    const v = stringValue(ctx.text, node)?.value;
    return v === '' ? '' : v === 'oauth' || v === 'secret' || v === 'pipedream' ? v : undefined;
  }
  const path = ctx.scope.cpslPath(dottedOf(ctx, node));
  if (path?.length === 1 && path[0]!.startsWith('MODE_')) {
    const m = path[0]!.slice(5).toLowerCase();
    if (m === 'oauth' || m === 'secret' || m === 'pipedream') return m;
  }
  return undefined;
}

/** The declaration as the SDK's IntegrationConfig would hold it. */
interface Spec {
  type: string | undefined;
  typeNode: SyntaxNode;
  dynamic: boolean;
  /** The config object call, when one is passed. */
  config?: { node: SyntaxNode; ctor: string };
  mode: Mode | undefined;
  clientId?: Option;
  clientSecret?: Option;
  scopes?: Option;
  fields?: Option;
  /** Options could not be read (`**kwargs`). */
  unknownOptions: boolean;
  pipedream?: { projectId?: Option; slugEmpty: boolean };
}

function specOf(ctx: FileContext, call: SyntaxNode, args: CallArgs): Spec | undefined {
  let typeNode = args.positional[0] ?? args.keywords.get('integration_type')?.value;
  if (!typeNode) return undefined;
  if (typeNode.type.name === 'VariableName') {
    const configVar = ctx.configVars.get(ctx.text.slice(typeNode.from, typeNode.to));
    if (configVar) typeNode = configVar;
  }
  const ctorPath = typeNode.type.name === 'CallExpression' ? ctx.cpslCallee(typeNode) : undefined;
  const ctor = ctorPath?.length === 1 ? ctorPath[0]! : undefined;
  const known = ctor ? integrationByConfig(ctor) : undefined;
  if (ctor && (known || ctor === 'IntegrationConfig' || ctor === 'Pipedream')) {
    const cargs = callArgs(ctx.text, typeNode.getChild('ArgList'));
    // IntegrationConfig(type, client_id, client_secret, scopes, fields, mode) also takes positions.
    const pos = (i: number) => (ctor === 'IntegrationConfig' ? i : undefined);
    const spec: Spec = {
      type: undefined,
      typeNode,
      dynamic: false,
      config: { node: typeNode, ctor },
      mode: undefined,
      unknownOptions: cargs.splat,
      clientId: option(ctx, cargs, 'client_id', pos(1)),
      clientSecret: option(ctx, cargs, 'client_secret', pos(2)),
      scopes: option(ctx, cargs, ctor === 'Pipedream' ? 'connect_scopes' : 'scopes', pos(3)),
      fields: ctor === 'IntegrationConfig' ? option(ctx, cargs, 'fields', 4) : undefined,
    };
    if (known) {
      spec.type = known.type;
      spec.mode = known.mode;
    } else if (ctor === 'Pipedream') {
      const slug = cargs.positional[0] ?? cargs.keywords.get('app_slug')?.value;
      const v = slug ? stringValue(ctx.text, slug) : undefined;
      spec.type = v?.terminated ? v.value : undefined;
      spec.dynamic = !v?.terminated && !!slug;
      spec.mode = 'pipedream';
      spec.scopes = undefined;
      spec.pipedream = { projectId: option(ctx, cargs, 'project_id'), slugEmpty: !slug || (v?.terminated === true && v.value === '') };
    } else {
      const t = cargs.positional[0] ?? cargs.keywords.get('type')?.value;
      spec.type = t ? integrationTypeOf(ctx, t) : undefined;
      spec.dynamic = spec.type === undefined;
      if (t && spec.type !== undefined) spec.typeNode = t;
      const m = modeLiteral(ctx, cargs.positional[5] ?? cargs.keywords.get('mode')?.value);
      spec.mode = m === '' ? implicitMode(spec.type, spec.fields) : m;
    }
    return spec;
  }
  const type = integrationTypeOf(ctx, typeNode);
  const fields = option(ctx, args, 'fields');
  return {
    type,
    typeNode,
    dynamic: type === undefined,
    mode: implicitMode(type, fields),
    clientId: option(ctx, args, 'client_id'),
    clientSecret: option(ctx, args, 'client_secret'),
    scopes: option(ctx, args, 'scopes'),
    fields,
    unknownOptions: args.splat,
  };
}

/** IntegrationConfig.__post_init__: secret when fields are truthy or the type is a known secret form. */
function implicitMode(type: string | undefined, fields: Option | undefined): Mode | undefined {
  if (fields?.truthy) return fields.list || !fields.listDynamic ? 'secret' : undefined;
  if (type !== undefined) return catalog.integrations.get(type)?.mode === 'secret' ? 'secret' : 'oauth';
  return undefined;
}

const quote = (t: string | undefined) => (t === undefined ? 'this integration' : `'${t}'`);

/** Records one add_integration call and reports what the SDK would reject. */
export function checkDeclaration(ctx: FileContext, call: SyntaxNode, args: CallArgs, receiver: string[] | undefined): RawIntegration | undefined {
  const spec = specOf(ctx, call, args);
  if (!spec) return undefined;
  const decl: IntegrationDecl = {
    app: receiver?.join('.') ?? '',
    type: spec.type,
    mode: spec.mode,
    scopes: spec.scopes?.list?.map((s) => s.value) ?? [],
    fields: spec.fields?.list?.map((s) => s.value) ?? (spec.mode === 'secret' && spec.type ? catalog.integrations.get(spec.type)?.fields : undefined),
    location: ctx.location(spec.typeNode.from, spec.typeNode.to),
    call: ctx.location(call.from, call.to),
  };
  if (spec.mode === 'secret' && !spec.fields?.list && spec.type && catalog.integrations.get(spec.type)?.mode !== 'secret') decl.fields = [];
  raiseErrors(ctx, call, args, spec);
  warnings(ctx, spec);
  return { receiver, decl, dynamic: spec.dynamic };
}

function raiseErrors(ctx: FileContext, call: SyntaxNode, args: CallArgs, spec: Spec): void {
  const t = spec.type;
  const target = spec.config?.node ?? call;
  // 1. A config object combined with options.
  if (spec.config) {
    if (args.splat) return;
    for (const name of ['client_id', 'client_secret', 'scopes', 'fields']) {
      const kw = args.keywords.get(name);
      if (!kw || kw.value.type.name === 'None') continue;
      if (name.startsWith('client') && isStringNode(kw.value) && stringValue(ctx.text, kw.value)?.value === '') continue;
      ctx.report(
        'capsule/config-combined-with-options',
        'error',
        kw.nameNode.from,
        kw.value.to,
        `IntegrationConfig cannot be combined with ${name}= in add_integration (the SDK raises ValueError at import): ` +
          `move ${name}= into cpsl.${spec.config.ctor}(...), or pass the type as a string with its options.`,
        { data: { option: name, optionRange: ctx.range(kw.nameNode.from, kw.value.to), configRange: ctx.range(spec.config.node.from, spec.config.node.to) } },
      );
      return;
    }
  }
  if (spec.unknownOptions || spec.mode === undefined) return;
  const cid = spec.clientId?.truthy ? spec.clientId : undefined;
  const csec = spec.clientSecret?.truthy ? spec.clientSecret : undefined;
  // 2. Secret-form with client credentials.
  if (spec.mode === 'secret' && (cid || csec)) {
    const opt = (cid ?? csec)!;
    const kwNode = opt.node.prevSibling?.prevSibling ?? opt.node;
    ctx.report(
      'capsule/secret-integration-client',
      'error',
      kwNode.from,
      opt.node.to,
      `Secret integration ${quote(t)} must not set client_id or client_secret (the SDK raises ValueError at import): ` +
        `a secret-form integration asks the user for its fields instead. Remove client_id and client_secret.`,
      {
        data: {
          type: t,
          options: [spec.clientId, spec.clientSecret]
            .filter((o): o is Option => !!o)
            .map((o) => {
              const kw = o.node.prevSibling?.prevSibling ?? o.node;
              return { name: ctx.text.slice(kw.from, kw.to), range: ctx.range(kw.from, o.node.to) };
            }),
        },
      },
    );
    return;
  }
  // 3. Custom secret-form without fields.
  const isKnown = t !== undefined && catalog.integrations.has(t);
  if (spec.mode === 'secret' && t !== undefined && !isKnown && !spec.fields?.truthy) {
    const node = spec.fields?.node ?? target;
    ctx.report(
      'capsule/custom-integration-missing-fields',
      'error',
      node.from,
      node.to,
      `Custom secret integration ${quote(t)} requires fields (the SDK raises ValueError at import). ` +
        `List the form fields the user fills in, e.g. fields=["api_token"].`,
      { data: { type: t } },
    );
    return;
  }
  // 4. Pipedream.
  if (spec.mode === 'pipedream') {
    const p = spec.pipedream;
    const problem = p?.slugEmpty
      ? 'Pipedream() requires an app slug such as "gmail"'
      : spec.scopes?.notNone && !spec.config
        ? `Pipedream integration ${quote(t)} does not take scopes`
        : !!cid !== !!csec
          ? `Pipedream integration ${quote(t)} needs both client_id and client_secret, or neither`
          : p && (cid || csec || p.projectId?.truthy) && !(cid && csec && p.projectId?.truthy)
            ? `Pipedream integration ${quote(t)} with your own project requires client_id, client_secret and project_id`
            : undefined;
    if (problem) {
      ctx.report('capsule/invalid-pipedream', 'error', target.from, target.to, `${problem} (the SDK raises ValueError at import).`, { data: { type: t } });
      return;
    }
    // A valid declaration: Capsule Local connects it on its Pipedream Connect page.
    return;
  }
  // 5. OAuth without both client credentials.
  if (spec.mode === 'oauth' && !(cid && csec)) {
    const missing = [...(cid ? [] : ['client_id']), ...(csec ? [] : ['client_secret'])];
    const prefix = (t ?? 'PROVIDER').toUpperCase().replace(/[^A-Z0-9]+/g, '_');
    const emptyFields = spec.fields?.list && spec.fields.list.length === 0 && !spec.fields.listDynamic && !isKnown;
    if (emptyFields && t !== undefined) {
      // fields=[] is falsy, so the SDK treats the integration as OAuth: the user meant a form.
      ctx.report(
        'capsule/custom-integration-missing-fields',
        'error',
        spec.fields!.node.from,
        spec.fields!.node.to,
        `Custom secret integration ${quote(t)} has an empty fields list, so the SDK treats it as OAuth and raises ` +
          `"OAuth integration '${t}' requires client_id and client_secret" at import. List the form fields, e.g. fields=["api_token"].`,
        { data: { type: t } },
      );
      return;
    }
    ctx.report(
      'capsule/oauth-missing-client',
      'error',
      target.from,
      target.to,
      `OAuth integration ${quote(t)} requires client_id and client_secret (the SDK raises ValueError at import); ` +
        `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing. Pass ` +
        missing.map((m) => `${m}=cpsl.Secret.from_name("${prefix}_${m.toUpperCase()}")`).join(', ') +
        (isKnown ? '' : ', or fields=[...] for a secret-form integration') +
        '.',
      { data: { type: t, missing, secrets: missing.map((m) => `${prefix}_${m.toUpperCase()}`) } },
    );
  }
}

function warnings(ctx: FileContext, spec: Spec): void {
  const t = spec.type;
  if (t === undefined) return;
  const info = catalog.integrations.get(t);
  // fields=[...] given: the user means a custom secret form (its own error covers an empty list).
  const customForm = spec.fields?.list !== undefined;
  if (!info && !customForm && spec.mode !== 'secret' && spec.mode !== 'pipedream' && spec.mode !== undefined && isStringNode(spec.typeNode)) {
    const suggestion = nearest(t, catalog.integrations.keys());
    ctx.report(
      'capsule/unknown-integration',
      'warning',
      spec.typeNode.from,
      spec.typeNode.to,
      `Unknown integration type '${t}'.` +
        (suggestion ? ` Did you mean '${suggestion}'?` : '') +
        ` Known types: ${[...catalog.integrations.keys()].join(', ')}; for a custom secret-form integration pass fields=[...].`,
      { data: { type: t, ...(suggestion ? { suggestion } : {}) } },
    );
  }
  if (info?.mode === 'oauth' && spec.mode === 'oauth' && spec.scopes?.list) {
    for (const s of spec.scopes.list) {
      if (scopeKnown(t, s.value) || (info.anyScopePrefix && s.value.startsWith(info.anyScopePrefix))) continue;
      const scopes = scopesFor(t);
      const suggestion = scopes ? nearest(s.value, scopes.keys()) : undefined;
      ctx.report(
        'capsule/unknown-scope',
        'warning',
        s.node.from,
        s.node.to,
        `'${s.value}' is not a scope ${info.title} is known to grant.` + (suggestion ? ` Did you mean '${suggestion}'?` : ''),
        { data: { type: t, scope: s.value, ...(suggestion ? { suggestion } : {}) } },
      );
    }
  }
}
