// Go to definition (an integration use -> its add_integration declaration; a secret -> its `.env`
// line, else the App(secrets=[...]) entry) and find references (every declaration and use of an
// integration type, every reference to a secret name).
import type { Location } from 'vscode-languageserver-types';
import type { Location as ModelLocation } from '../analysis/index';
import type { FileInput, Providers } from './input';
import { itemAt } from './at-cursor';

function toLsp(providers: Providers, l: ModelLocation): Location {
  return { uri: providers.uriOf(l.path), range: l.range };
}

export function definition(input: FileInput, providers: Providers, offset: number): Location[] {
  const item = itemAt(providers.model, input.path, input.index.positionAt(offset));
  const model = providers.model;
  if (!item || !model) return [];
  if (item.kind === 'use') return model.integrations.filter((d) => d.type === item.type).map((d) => toLsp(providers, d.location));
  if (item.kind === 'secret') {
    const origin = providers.state.secrets.names.get(item.name);
    if (origin?.location) return [toLsp(providers, origin.location)];
    return model.secrets
      .filter((s) => s.name === item.name && s.kind === 'app-secrets' && s.location !== item.ref.location)
      .map((s) => toLsp(providers, s.location));
  }
  return [];
}

export function references(input: FileInput, providers: Providers, offset: number, includeDeclaration: boolean): Location[] {
  const item = itemAt(providers.model, input.path, input.index.positionAt(offset));
  const model = providers.model;
  if (!item || !model) return [];
  const out: ModelLocation[] = [];
  if (item.kind === 'use' || item.kind === 'declaration') {
    const type = item.type;
    if (type === undefined) return [];
    if (includeDeclaration) for (const d of model.integrations) if (d.type === type) out.push(d.location);
    for (const u of model.uses) if (u.type === type) out.push(u.location);
  } else {
    const origin = providers.state.secrets.names.get(item.name);
    if (includeDeclaration && origin?.location) out.push(origin.location);
    for (const s of model.secrets) if (s.name === item.name) out.push(s.location);
  }
  const seen = new Set<string>();
  return out
    .filter((l) => {
      const key = `${l.path}:${l.range.start.line}:${l.range.start.character}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((l) => toLsp(providers, l));
}
