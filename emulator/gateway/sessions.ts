// Sessions and end users as the gateway keeps them in the store. Ids are generated outside
// mutators (a mutator may run twice); sessions of external conversations get an id derived from
// their stable key, so the same Telegram chat always lands in the same session, across restarts.
import { createHash, randomBytes } from 'node:crypto';
import type { HistoryItem, Persona, StoreData, StoredSession } from '../store';
import { LIMITS, clipText } from '../limits';

/** Random bytes drawn in blocks: one id per message, and a draw per id costs more than the id. */
let idPool = Buffer.alloc(0);
let idPoolAt = 0;

export function newId(prefix: string): string {
  if (idPoolAt + 9 > idPool.length) {
    idPool = randomBytes(4608);
    idPoolAt = 0;
  }
  return `${prefix}_${idPool.toString('base64url', idPoolAt, (idPoolAt += 9))}`;
}

export function sessionIdForKey(key: string): string {
  return `ses_${createHash('sha256').update(key).digest('base64url').slice(0, 16)}`;
}

const SESSION_ID = new RegExp(`^[A-Za-z0-9_.:-]{1,${LIMITS.nameChars}}$`);
export function validSessionId(id: string): boolean {
  return SESSION_ID.test(id);
}

/** Creates the session inside a mutator if it does not exist yet; returns it. */
export function ensureSession(d: StoreData, s: Omit<StoredSession, 'history' | 'dataJson' | 'updatedAt'> & { dataJson?: string }): StoredSession {
  const existing = d.sessions[s.id];
  if (existing) return existing;
  const created: StoredSession = { ...s, updatedAt: s.createdAt, history: [], dataJson: s.dataJson ?? '{}' };
  for (const k of Object.keys(created) as Array<keyof StoredSession>) if (created[k] === undefined) delete created[k];
  d.sessions[s.id] = created;
  return created;
}

export function appendHistory(d: StoreData, sessionId: string, item: HistoryItem): void {
  const s = d.sessions[sessionId];
  if (!s) return;
  // Built field by field (no `delete`: objects stay in V8's fast shape, cheap to serialize).
  const clean: HistoryItem = { text: clipText(item.text, LIMITS.storedTextChars), sender: item.sender, channelType: item.channelType, timestamp: item.timestamp };
  if (item.blockJson !== undefined) clean.blockJson = item.blockJson;
  if (item.requestId !== undefined) clean.requestId = item.requestId;
  s.history.push(clean);
  s.updatedAt = new Date(item.timestamp * 1000).toISOString();
}

/** Finds a persona by id, name or email (case-insensitive for names and emails). */
export function findPersona(d: StoreData, who: string): Persona | undefined {
  const low = who.toLowerCase();
  return (
    d.personas.find((p) => p.id === who) ??
    d.personas.find((p) => p.name.toLowerCase() === low) ??
    d.personas.find((p) => p.email?.toLowerCase() === low)
  );
}

/** A persona for a name the store does not know yet (`--user alice` → user_alice). */
export function personaFor(name: string): Persona {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'user';
  if (name.includes('@')) return { id: `user_${slug}`, name: name.split('@')[0]!, email: name };
  return { id: `user_${slug}`, name, email: `${slug}@localhost` };
}

export function ownerIdOf(p: { id: string; orgId?: string }): string {
  return p.orgId ? `org:${p.orgId}` : p.id;
}
