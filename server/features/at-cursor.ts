// Which item of the app model is under the cursor: an integration declaration or use, or a secret
// reference. Hover, definition and references all start from here.
import type { AppModel, IntegrationDecl, IntegrationUse, Position, Range, SecretRef } from '../analysis/index';

export type ModelItem =
  | { kind: 'declaration'; type: string | undefined; decl: IntegrationDecl; range: Range }
  | { kind: 'use'; type: string; use: IntegrationUse; range: Range }
  | { kind: 'secret'; name: string; ref: SecretRef; range: Range };

export function contains(range: Range, p: Position): boolean {
  const afterStart = p.line > range.start.line || (p.line === range.start.line && p.character >= range.start.character);
  const beforeEnd = p.line < range.end.line || (p.line === range.end.line && p.character <= range.end.character);
  return afterStart && beforeEnd;
}

function size(r: Range): number {
  return (r.end.line - r.start.line) * 100_000 + (r.end.character - r.start.character);
}

/** The smallest model item of `path` whose range holds `p`. */
export function itemAt(model: AppModel | undefined, path: string, p: Position): ModelItem | undefined {
  if (!model) return undefined;
  const found: ModelItem[] = [];
  for (const u of model.uses) if (u.location.path === path && contains(u.location.range, p)) found.push({ kind: 'use', type: u.type, use: u, range: u.location.range });
  for (const s of model.secrets) if (s.location.path === path && contains(s.location.range, p)) found.push({ kind: 'secret', name: s.name, ref: s, range: s.location.range });
  for (const d of model.integrations) if (d.location.path === path && contains(d.location.range, p)) found.push({ kind: 'declaration', type: d.type, decl: d, range: d.location.range });
  found.sort((a, b) => size(a.range) - size(b.range));
  return found[0];
}
