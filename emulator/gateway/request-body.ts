// What the emulator's JSON APIs read from a request body, checked the same way everywhere: the
// body is an object, an optional field is a string or absent, and `user` names a persona.
import type { GatewayHub } from './hub-impl';
import { HttpError } from './errors';
import { findPersona, personaFor } from './sessions';

export type Json = Record<string, unknown>;

export function jsonObject(b: unknown): Json {
  if (b === undefined || b === null || (typeof b === 'object' && !Array.isArray(b) && !Buffer.isBuffer(b))) return (b ?? {}) as Json;
  throw new HttpError(400, 'the request body must be a JSON object');
}

export function optString(b: Json, key: string): string | undefined {
  const v = b[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new HttpError(400, `"${key}" must be a string`);
  return v;
}

/** The persona for `user` (id, name or email); an unknown name becomes a new persona. */
export async function userFor(hub: GatewayHub, who: string | undefined): Promise<string> {
  const d = hub.read();
  if (!who) return d.personas[0]?.id ?? 'user_dev';
  const found = findPersona(d, who);
  if (found) return found.id;
  const p = personaFor(who);
  await hub.update((data) => {
    if (!data.personas.some((x) => x.id === p.id)) data.personas.push(p);
  });
  return p.id;
}

/** Who sends into a session: `user` when given, else the user of the session it continues. */
export async function senderFor(hub: GatewayHub, b: Json, sessionId: string | undefined): Promise<string> {
  const existing = sessionId ? hub.sessionHead(sessionId) : undefined;
  if (existing && !optString(b, 'user')) return existing.userId;
  return userFor(hub, optString(b, 'user'));
}
