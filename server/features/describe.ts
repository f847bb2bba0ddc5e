// Markdown descriptions shared by hover and completion. Secret descriptions say where a name is
// defined, never what its value is (the features never see values).
import { catalog, knownScopes } from '../../catalog/catalog';
import type { IntegrationDecl, NameOrigin } from '../analysis/index';

export function secretOrigin(origin: NameOrigin): string {
  if (origin.source === 'store') return 'the Capsule Local store';
  if (origin.source === 'env-file') {
    const line = origin.location ? ` line ${origin.location.range.start.line + 1}` : '';
    return `${origin.location?.path ?? '.env'}${line}`;
  }
  return 'the environment';
}

/** What the catalog says about an integration type, plus what a declaration of it sets. */
export function describeIntegration(type: string, decl?: Pick<IntegrationDecl, 'mode' | 'scopes' | 'fields'>): string {
  const info = catalog.integrations.get(type);
  const lines: string[] = [];
  lines.push(`**${info?.title ?? type}** integration \`"${type}"\`${info ? ` (\`cpsl.Integration.${info.enum}\`)` : ''}`);
  if (info) lines.push(info.doc);
  const mode = decl?.mode ?? info?.mode;
  if (mode) {
    const how = mode === 'oauth' ? 'OAuth: the user signs in and grants scopes' : mode === 'secret' ? 'secret form: the user fills in fields' : 'Pipedream Connect';
    lines.push(`Mode: **${mode}** (${how}).`);
  }
  if (decl?.scopes.length) lines.push(`Scopes declared: ${decl.scopes.map((s) => `\`${s}\``).join(', ')}.`);
  if (info?.alwaysScopes?.length) lines.push(`Always added: ${info.alwaysScopes.map((s) => `\`${s}\``).join(', ')}.`);
  const fields = decl?.fields ?? info?.fields;
  if (fields?.length) {
    const optional = new Set(info?.optionalFields ?? []);
    const all = [...fields, ...(decl?.fields ? [] : [...optional].filter((f) => !fields.includes(f)))];
    lines.push(`Fields: ${all.map((f) => `\`${f}\`${optional.has(f) ? ' (optional)' : ''}`).join(', ')}.`);
  }
  if (info?.env) lines.push(`Exports when connected: ${Object.values(info.env).map((e) => `\`${e}\``).join(', ')}.`);
  if (!decl?.scopes.length && info?.provider) {
    const n = knownScopes(type)?.size ?? 0;
    if (n) lines.push(`${n} known scopes (complete inside \`scopes=[...]\`).`);
  }
  if (!info) lines.push('Not a type the catalog knows: a custom secret-form integration needs `fields=[...]`.');
  return lines.join('\n\n');
}
