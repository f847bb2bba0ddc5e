// Hover: what the catalog says about SDK names, integrations (mode, scopes, fields) and scopes;
// for a secret, where its name is defined. A secret's value is never part of a hover: the
// server only ever knows names.
import type { SyntaxNode } from '@lezer/common';
import { MarkupKind, type Hover } from 'vscode-languageserver-types';
import { catalog, integrationByEnum, knownScopes, type ApiEntry } from '../../catalog/catalog';
import { dottedName } from '../analysis/index';
import type { FileInput, Providers } from './input';
import { itemAt } from './at-cursor';
import { describeIntegration, secretOrigin } from './describe';
import { stringAt, stringRole } from './cursor';
import { apiDoc } from './completion';

export function hover(input: FileInput, providers: Providers, offset: number): Hover | null {
  const position = input.index.positionAt(offset);
  const item = itemAt(providers.model, input.path, position);
  const model = providers.model;
  // A string inside a declaration (a scope, a secret name) is more specific than the declaration.
  const site = stringAt(input, offset);
  const role = site ? stringRole(input, site) : undefined;
  if (item?.kind === 'declaration' && item.type && (!role || role.kind === 'integration-type')) {
    return md(describeIntegration(item.type, item.decl), item.range);
  }
  if (item?.kind === 'use') {
    const decls = model?.integrations.filter((d) => d.type === item.type) ?? [];
    const decl = decls[0];
    const where = decl
      ? `Declared on \`${decl.app || 'app'}\` at ${decl.location.path}:${decl.location.range.start.line + 1}.`
      : '**Not declared** by the app: add `app.add_integration(...)` for it.';
    return md(`${describeIntegration(item.type, decl)}\n\n${where}`, item.range);
  }
  if (item?.kind === 'secret') return md(describeSecret(item.name, providers), item.range);
  if (site) {
    const value = input.text.slice(site.contentFrom, site.terminated ? site.contentTo : site.contentTo);
    const range = input.index.range(site.node.from, site.node.to);
    if (role?.kind === 'scope' && role.integration) {
      const doc = knownScopes(role.integration)?.get(value);
      const title = catalog.integrations.get(role.integration)?.title ?? role.integration;
      return md(doc !== undefined ? `Scope \`${value}\` of ${title}: ${doc}` : `\`${value}\` is not a scope ${title} is known to grant.`, range);
    }
    if (role?.kind === 'channel') {
      const origin = providers.state.channels.names.get(value);
      const text = origin
        ? `Channel **${value}**: a ${catalog.channels.get(origin.channelType ?? '')?.title ?? 'named'} channel in the Capsule Local store.`
        : providers.state.channels.complete
          ? `Channel **${value}** does not exist locally. Create it with \`capsule-local channel create ${value} --type ...\`.`
          : `Channel **${value}**: the local store could not be read.`;
      return md(text, range);
    }
    if (role?.kind === 'secret') return md(describeSecret(value, providers), range);
    if (role?.kind === 'integration-type' || role?.kind === 'integration-use') return md(describeIntegration(value), range);
    if (role?.kind === 'reference') {
      const declared = (model?.names ?? []).some((n) => n.kind === role.ref && n.name === value);
      return md(`\`${role.via}\`: ${declared ? `\`${value}\` is declared by the app.` : `**\`${value}\` is not declared by the app.**`}`, range);
    }
    if (role?.kind === 'choice') {
      const ok = role.values.includes(value);
      return md(`\`${role.param}=\` of \`${role.signature.split('(')[0]}\`: ${ok ? '' : `**\`${value}\` is not one of the values the SDK accepts.** `}one of ${role.values.map((v) => `\`${v}\``).join(', ')}.`, range);
    }
    if (role?.kind === 'access') return md(`Access level \`${value}\`: one of ${catalog.accessLevels.map((a) => `\`${a}\``).join(', ')}.`, range);
    return null;
  }
  return nameHover(input, offset);
}

function describeSecret(name: string, providers: Providers): string {
  const origin = providers.state.secrets.names.get(name);
  const lines = [`Secret **${name}**`];
  if (origin) lines.push(`Defined in ${secretOrigin(origin)}. The value is not shown.`);
  else if (providers.state.secrets.complete) lines.push('Not defined locally (neither in the Capsule Local store nor in `.env`).');
  else lines.push('The local store could not be read, so where it is defined is unknown.');
  const listedBy = (providers.model?.apps ?? []).filter((a) => a.secrets?.includes(name)).map((a) => `\`${a.variable || a.name}\``);
  if (listedBy.length) lines.push(`Injected into ${listedBy.join(', ')} through \`secrets=[...]\`.`);
  return lines.join('\n\n');
}

function md(value: string, range: { start: { line: number; character: number }; end: { line: number; character: number } }): Hover {
  return { contents: { kind: MarkupKind.Markdown, value }, range };
}

/** Hover on a name: `cpsl.X`, `Integration.X`, `app.add_integration`, `@app.message`, `session.reply`. */
function nameHover(input: FileInput, offset: number): Hover | null {
  const { text, tree, scope, index } = input;
  const node = tree.resolveInner(offset, 1);
  const name = node.type.name;
  if (name !== 'VariableName' && name !== 'PropertyName') return null;
  const range = index.range(node.from, node.to);
  // The dotted expression up to and including this name.
  let expr: SyntaxNode = node;
  if (name === 'PropertyName' && node.parent?.type.name === 'MemberExpression') expr = node.parent;
  let parts = dottedName(text, expr);
  if (!parts && expr.parent?.type.name === 'Decorator') {
    // `@app.message`: decorators are a flat list of names.
    const names: string[] = [];
    for (let c = expr.parent.firstChild; c && c.from <= node.from; c = c.nextSibling) if (c.type.name === 'VariableName') names.push(text.slice(c.from, c.to));
    parts = names;
  } else if (node.parent?.type.name === 'Decorator') {
    const names: string[] = [];
    for (let c = node.parent.firstChild; c && c.from <= node.from; c = c.nextSibling) if (c.type.name === 'VariableName') names.push(text.slice(c.from, c.to));
    parts = names;
  }
  if (!parts) return null;
  const path = scope.cpslPath(parts);
  if (path?.length === 1) {
    const e = catalog.api.module[path[0]!];
    if (e) return md(apiDoc(e), range);
  }
  if (path?.length === 2 && path[0] === 'ui' && Object.hasOwn(catalog.api.ui, path[1]!)) return md(apiDoc(catalog.api.ui[path[1]!]!), range);
  if (path?.length === 2 && path[0] === 'Integration') {
    const info = integrationByEnum(path[1]!);
    if (info) return md(describeIntegration(info.type), range);
  }
  if (path?.length === 2 && path[0] === 'Secret' && path[1] === 'from_name') {
    return md('```python\nSecret.from_name(name: str) -> Secret\n```\n\nA reference to a secret by name; `.value` reads it at runtime (environment first, then the local store and `.env`).', range);
  }
  if (parts.length >= 2 && !path) {
    const tail = parts[parts.length - 1]!;
    const app = (catalog.api.app as Record<string, ApiEntry>)[tail];
    const isApp = input.summary.apps.some((a) => a.variable === parts![0]) || input.summary.imports.some((b) => b.kind === 'from' && b.local === parts![0]);
    if (app && isApp) return md(apiDoc(app), range);
    const session = (catalog.api.session as Record<string, ApiEntry>)[tail];
    if (session && /session|ctx|context/i.test(parts[parts.length - 2]!)) return md(apiDoc(session), range);
  }
  return null;
}
