// The simulated end users (personas) seen as provider accounts: the account picker lists them and
// "add account" creates one in the store.
import { randomBytes } from 'node:crypto';
import type { Hub } from '../hub';
import type { Persona } from '../store/schema';
import type { ProviderUser } from './auth-server/model';

export function personaEmail(p: Persona): string {
  if (p.email) return p.email;
  const local = p.name.toLowerCase().replace(/[^a-z0-9]+/g, '.').replace(/^\.|\.$/g, '') || p.id.replace(/[^a-z0-9]+/gi, '.');
  return `${local}@example.com`;
}

export function personasAsUsers(personas: readonly Persona[]): ProviderUser[] {
  return personas.map((p) => ({ id: p.id, name: p.name, email: personaEmail(p) }));
}

export async function addPersona(hub: Hub, name: string, email: string): Promise<Persona> {
  const existing = hub.read().personas.find((p) => p.email?.toLowerCase() === email.toLowerCase());
  if (existing) return existing;
  const persona: Persona = { id: `user_${randomBytes(4).toString('hex')}`, name, email };
  await hub.update((d) => {
    if (!d.personas.some((p) => p.id === persona.id)) d.personas.push(persona);
  });
  return persona;
}
