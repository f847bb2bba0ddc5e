// A React page's session data (@capsule/page `useSession`): the data of the viewer's session, read
// and written by the page, the same data the app's Python `session.data` sees on its next message
// (the store's `dataJson`, which GetSession answers as `data_json`). Behind the session like every
// page API:
//   POST /api/pages/<app>/sessions            {user?, name, threadKey?, initialData?}: the viewer's
//        session of `@app.session(name)` for the thread key, found or created (empty but for
//        `initialData`, the creation-time data; a session that exists keeps its data)
//   GET  /api/pages/<app>/sessions/<id>/data?as=<user>   {sessionId, data, revision}
//   POST /api/pages/<app>/sessions/<id>/data  {user?, key, value}: one top-level key written
// A write is one transaction of its own, as the SDK's SaveSessionData is: the revision goes up, so
// a turn of that session that read the data before commits through the SDK's compare-and-set
// (conflict, then its own changes merged over the page's). The pages following the app's data
// changes (GET /api/pages/<app>/changes) are told which session changed.
// Refused: an app not served here or a session of another app (404), a session that does not exist
// (404), a session of another viewer (403), a key the platform keeps for itself (`__cpsl_session_*`)
// or longer than a name (400), a body over the gateway's limit (413, its body parser). A key such
// as `__proto__` or `constructor` is a key like any other (Python's dict has no prototype).
import type { Request } from 'express';
import type { Hub } from '../hub';
import type { StoredSession } from '../store';
import { HttpError } from '../gateway/errors';
import { appOf, pageRoute, viewerOf, viewerOfQuery } from './page-api';
import { sessionIdForKey, validSessionId } from '../gateway/sessions';
import { threadSessionKey } from '../channels/webchat';
import { LIMITS, clipText, nameTooLong } from '../limits';

/** The server's bookkeeping keys of session data (cpsl/session.py): never the page's to write. */
const SERVER_KEYS = ['__cpsl_session_rev', '__cpsl_session_checksum', '__cpsl_session_nonce'];

const record = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v) ? (v as Record<string, unknown>) : undefined);

function str(b: Record<string, unknown>, key: string): string {
  const v = b[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new HttpError(400, `"${key}" must be a string`);
  const long = nameTooLong(key, v);
  if (long) throw new HttpError(400, long);
  return v;
}

/** Sets an own key, also one named `__proto__` (an assignment would set the prototype). */
function own(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/** The session's data as an object (the store keeps the payload, without the server's keys). */
function dataOf(s: StoredSession): Record<string, unknown> {
  try {
    return record(JSON.parse(s.dataJson || '{}')) ?? {};
  } catch {
    return {};
  }
}

/** The viewer's session of the app: unknown, another app's (404) or another viewer's (403) refused. */
function viewersSession(hub: Hub, req: Request, user: string): StoredSession {
  const a = appOf(hub, req);
  const id = String(req.params.id);
  // The session an open turn created and has not written yet counts (SaveSessionData takes it too).
  const s = validSessionId(id) ? (hub.read().sessions[id] ?? hub.sessionHead?.(id)) : undefined;
  if (!s || s.app !== a.name) throw new HttpError(404, `${a.name} has no session ${id.slice(0, 80)}`);
  if (s.userId !== user) throw new HttpError(403, `session ${id.slice(0, 80)} is another viewer's (${s.userId.slice(0, 80)}), not ${user.slice(0, 80)}'s`);
  return s;
}

export function registerSessionData(hub: Hub): void {
  const r = hub.protectedRouter;

  r.post('/api/pages/:app/sessions', pageRoute('the session data could not be saved', async (req, res) => {
    const a = appOf(hub, req);
    const b = record(req.body ?? {});
    if (!b) throw new HttpError(400, 'the request body must be a JSON object');
    const user = viewerOf(hub, str(b, 'user'));
    const name = str(b, 'name');
    if (!name) throw new HttpError(400, '"name" is required: the @app.session the page uses');
    const threadKey = str(b, 'threadKey') || 'default';
    let initial: Record<string, unknown> = {};
    if (b.initialData !== undefined && b.initialData !== null) {
      const given = record(b.initialData);
      if (!given) throw new HttpError(400, '"initialData" must be an object');
      initial = given;
      if (SERVER_KEYS.some((k) => Object.prototype.hasOwnProperty.call(initial, k))) throw new HttpError(400, `"initialData" may not hold the platform's own keys (${SERVER_KEYS.join(', ')})`);
    }
    // The same session useSession's thread finds (POST /api/webchat/threads with chat "session:<name>").
    const id = sessionIdForKey(threadSessionKey(a.name, user, `session:${name}`, threadKey));
    let created = false;
    if (!hub.read().sessions[id] && !hub.sessionHead?.(id)) {
      const dataJson = JSON.stringify(initial);
      await hub.update((d) => {
        if (d.sessions[id]) return;
        const now = new Date().toISOString();
        d.sessions[id] = { id, app: a.name, userId: user, channelType: 'chat', threadKey: clipText(threadKey, LIMITS.nameChars), createdAt: now, updatedAt: now, history: [], dataJson };
        created = true;
      });
    }
    if (created) hub.events.emit({ kind: 'session', app: a.name, sessionId: id, userId: user, summary: `session ${hub.events.preview(name, 60)} (thread "${hub.events.preview(threadKey, 60)}") created by a page`, detail: { name, threadKey, initialKeys: Object.keys(initial) } });
    const s = hub.read().sessions[id] ?? hub.sessionHead?.(id);
    res.status(created ? 201 : 200).json({ sessionId: id, created, data: s ? dataOf(s) : {}, revision: s?.dataRevision ?? 0 });
  }));

  r.get('/api/pages/:app/sessions/:id/data', pageRoute('the session data could not be read', (req, res) => {
    const user = viewerOfQuery(hub, req);
    const s = viewersSession(hub, req, user);
    res.json({ sessionId: s.id, data: dataOf(s), revision: s.dataRevision ?? 0 });
  }));

  r.post('/api/pages/:app/sessions/:id/data', pageRoute('the session data could not be saved', async (req, res) => {
    const b = record(req.body ?? {});
    if (!b) throw new HttpError(400, 'the request body must be a JSON object');
    const user = viewerOf(hub, str(b, 'user'));
    const s = viewersSession(hub, req, user);
    const key = str(b, 'key');
    if (!key) throw new HttpError(400, '"key" is required: the name of the session data value');
    if (SERVER_KEYS.includes(key)) throw new HttpError(400, `"${key}" is the platform's own key of session data: a page cannot write it`);
    if (!Object.prototype.hasOwnProperty.call(b, 'value')) throw new HttpError(400, '"value" is required (null clears it to None)');
    const value = b.value;
    const id = s.id;
    // A session an open turn has not written yet must be in the store before its data is.
    if (!hub.read().sessions[id]) hub.flushSession?.(id);
    let saved: { data: Record<string, unknown>; revision: number } | undefined;
    await hub.update((d) => {
      const stored = d.sessions[id];
      if (!stored) return;
      const data = dataOf(stored);
      own(data, key, value);
      stored.dataJson = JSON.stringify(data);
      stored.dataRevision = (stored.dataRevision ?? 0) + 1;
      saved = { data, revision: stored.dataRevision };
    });
    if (!saved) throw new HttpError(404, `no session ${id.slice(0, 80)}`);
    hub.dataChanges?.note(s.app, { sessionId: id });
    hub.events.emit({ kind: 'data', app: s.app, sessionId: id, userId: user, summary: `session data "${hub.events.preview(key, 60)}" set by a page`, detail: { key, revision: saved.revision } });
    res.json({ sessionId: id, key, value, data: saved.data, revision: saved.revision });
  }));
}
