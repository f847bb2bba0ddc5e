// The chat hooks of @capsule/page over the emulator's web chat API: useChat (a conversation with
// one of the app's chat handlers: `chatName` is the handler's name, '' the default one) and
// useSession (a session started by an `@app.session` initializer, its data and actions).
// A threadKey names one session per app, viewer, chat and key (POST /api/webchat/threads): the
// same one on every load. Without threadKey or sessionId the page's chat is the thread "default".
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, appName, asViewer, dataChanged, notAvailable, onDataChange, touchesSession, viewer } from './context.js';
import { runAction, threadSession } from './data.js';
import { connectIntegration, integrationStatus } from './integrations.js';

let seq = 0;
const nextId = () => `m${Date.now().toString(36)}${(seq++).toString(36)}`;

/** The session's history as ChatMessages (user, assistant, block); system lines are left out. */
export function historyMessages(history) {
  const out = [];
  for (const h of Array.isArray(history) ? history : []) {
    const ts = typeof h.timestamp === 'number' ? h.timestamp * 1000 : Date.now();
    if (h.sender === 'user') out.push({ id: nextId(), role: 'user', text: String(h.text ?? ''), ts, requestId: h.requestId });
    else if (h.sender === 'app') out.push({ id: nextId(), role: 'assistant', text: String(h.text ?? ''), ts, requestId: h.requestId });
    else if (h.sender === 'block') {
      let block;
      try {
        const b = JSON.parse(h.blockJson || '{}');
        block = { id: String(b.id ?? nextId()), type: String(b.type ?? ''), payload: b.payload && typeof b.payload === 'object' ? b.payload : {} };
      } catch {
        block = { id: nextId(), type: 'unknown', payload: {} };
      }
      out.push({ id: nextId(), role: 'block', text: String(h.text ?? ''), ts, requestId: h.requestId, block });
    }
  }
  return out;
}

async function openSession(chatName, o) {
  if (o.sessionId) {
    try {
      const s = await api(`/api/webchat/sessions/${encodeURIComponent(o.sessionId)}`);
      return { sessionId: o.sessionId, exists: true, history: s.history, openTurn: s.openTurn };
    } catch (e) {
      if (e.status === 404) return { sessionId: o.sessionId, exists: false, history: [] };
      throw e;
    }
  }
  return threadSession(chatName, o.threadKey ?? 'default');
}

export function useChat(chatName = '', opts = {}) {
  const o = opts || {};
  const name = typeof chatName === 'string' ? chatName : '';
  const enabled = o.enabled !== false && o.threadKey !== null;
  const context = o.context ?? o.initialData;
  const [st, setSt] = useState({ sessionId: '', messages: [], status: enabled ? 'loading' : 'disabled', connected: false, error: null });
  const session = useRef({ sessionId: '', exists: false });
  const stream = useRef(null);
  const lastText = useRef('');
  const set = (patch) => setSt((s) => ({ ...s, ...(typeof patch === 'function' ? patch(s) : patch) }));

  const follow = useCallback((requestId) => new Promise((resolve) => {
    if (stream.current) stream.current.close();
    const es = new EventSource(`/api/webchat/turns/${encodeURIComponent(requestId)}/events`);
    stream.current = es;
    let streaming = null; // the id of the assistant message deltas grow
    let finished = false;
    const finish = (error) => {
      if (finished) return;
      finished = true;
      es.close();
      if (stream.current === es) stream.current = null;
      set({ status: error ? 'error' : 'idle', error: error || null, connected: false });
      resolve(error ? { error } : { ok: true });
    };
    es.addEventListener('open', () => set({ connected: true }));
    es.addEventListener('delta', (ev) => {
      const d = JSON.parse(ev.data);
      set((s) => {
        if (streaming) return { status: 'streaming', messages: s.messages.map((m) => (m.id === streaming ? { ...m, text: m.text + d.text } : m)) };
        streaming = nextId();
        return { status: 'streaming', messages: [...s.messages, { id: streaming, role: 'assistant', text: d.text, ts: Date.now(), requestId }] };
      });
    });
    es.addEventListener('reply', (ev) => {
      const d = JSON.parse(ev.data);
      streaming = null;
      set((s) => ({ messages: [...s.messages, { id: nextId(), role: 'assistant', text: d.text, ts: Date.now(), requestId }] }));
    });
    es.addEventListener('block', (ev) => {
      const d = JSON.parse(ev.data);
      streaming = null;
      const b = d.block || {};
      set((s) => ({ messages: [...s.messages, { id: nextId(), role: 'block', text: '', ts: Date.now(), requestId, block: { id: String(b.id ?? nextId()), type: String(b.type ?? ''), payload: b.payload && typeof b.payload === 'object' ? b.payload : {} } }] }));
    });
    es.addEventListener('data-changed', () => dataChanged());
    es.addEventListener('done', (ev) => {
      const d = JSON.parse(ev.data);
      dataChanged();
      finish(d.error || null);
    });
    es.addEventListener('error', () => {
      if (!finished) finish('Lost the connection to the emulator while the app was answering.');
    });
  }), []);

  useEffect(() => {
    if (!enabled) {
      set({ status: 'disabled', sessionId: '', messages: [] });
      return undefined;
    }
    let live = true;
    set({ status: 'loading', error: null });
    openSession(name, o).then(
      (s) => {
        if (!live) return;
        session.current = { sessionId: s.sessionId, exists: !!s.exists };
        setSt({ sessionId: s.sessionId, messages: historyMessages(s.history), status: s.openTurn ? 'streaming' : 'idle', connected: false, error: null });
        if (s.openTurn) follow(s.openTurn);
      },
      (e) => live && set({ status: 'error', error: e.message }),
    );
    return () => {
      live = false;
      if (stream.current) stream.current.close();
      stream.current = null;
    };
  }, [enabled, name, o.threadKey, o.sessionId]);

  const send = useCallback(async (text, sendOpts = {}) => {
    if (!enabled) throw new Error('useChat is disabled (threadKey is null or enabled is false)');
    if (sendOpts && Array.isArray(sendOpts.attachments) && sendOpts.attachments.length) throw notAvailable('useChat().send with attachments');
    const t = String(text ?? '');
    if (!t.trim()) throw new Error('type a message first');
    lastText.current = t;
    const { sessionId, exists } = session.current;
    set((s) => ({ status: 'sending', error: null, messages: [...s.messages, { id: nextId(), role: 'user', text: t, ts: Date.now() }] }));
    try {
      const body = { text: t, app: appName(), userId: viewer() || undefined, chatName: name || undefined };
      if (o.sessionId || exists) body.sessionId = sessionId;
      else body.threadKey = o.threadKey ?? 'default';
      if (!exists && context && typeof context === 'object') body.context = context;
      const r = await api('/api/webchat/messages', { method: 'POST', body });
      session.current = { sessionId: r.sessionId, exists: true };
      set({ sessionId: r.sessionId });
      return await follow(r.requestId);
    } catch (e) {
      set({ status: 'error', error: e.message });
      throw e;
    }
  }, [enabled, name, o.threadKey, o.sessionId, JSON.stringify(context ?? null)]);

  const stop = useCallback(() => {
    // The emulator has no way to cancel a running handler: the page stops following its answer
    // (which still arrives in the session's history).
    if (stream.current) stream.current.close();
    stream.current = null;
    set({ status: 'idle', connected: false, error: 'Stopped following the answer; the app\'s handler runs to its end in Capsule Local (cancelling it is not available yet).' });
  }, []);

  const retry = useCallback(() => {
    if (lastText.current) send(lastText.current).catch(() => undefined);
  }, [send]);

  return { ...st, send, retry, stop };
}

/** The emulator's route of a page's session data (emulator/pages/session-data.ts). */
const sessionsPath = (rest = '') => `/api/pages/${encodeURIComponent(appName())}/sessions${rest}`;

/**
 * A session of the app's `@app.session(name)`: one per viewer and thread key; with `start: true`
 * (cpsl's `App.session` docstring) the initializer runs when the session is created. Its data is
 * the session's `session.data` in the emulator's store, read again when the emulator says it
 * changed (a turn, a task, this or another page writing it).
 *
 * `initialData` is the creation-time data of a new session (as useChat's `context`): with
 * `start: true` the initializer's session starts with it (the SDK's `initial_data_json`), else the
 * session is created with it when the page opens it. A session that exists keeps its data.
 *
 * `set(key, value)` and `publish(key, value)` write one top-level key of the session's data and
 * resolve with the value as stored (after its JSON round trip). In Python they differ:
 * `session.data.set` is batched and saved once when the handler completes, `session.publish`
 * saves (and broadcasts) at once. A page has no handler whose end could batch a write, so here both
 * save at once, as their own transaction (the session's data revision goes up; a turn that read
 * the data before merges its changes over it through the SDK's compare-and-set), and both tell
 * the page's other hooks and every page following the app's data changes: nothing observable
 * tells them apart on the page side.
 *
 * `chat()` is a ChatState (useChat's) in this session, with the app's default chat handler: the
 * hook behind it is called on every render of useSession (the rules of hooks hold however the
 * page calls `chat()`); it opens the session's chat from the first render that asks for it.
 *
 * `integrations()` is the viewer's connections of the app's integrations (integrations.js):
 * `status(type?)` reads them, `connect(type)` opens the connect flow in a window of its own and
 * resolves with the new status once the connection is stored.
 */
export function useSession(name, opts = {}) {
  const o = opts || {};
  const enabled = o.enabled !== false;
  const threadKey = typeof o.threadKey === 'string' && o.threadKey ? o.threadKey : 'default';
  const initialData = o.initialData && typeof o.initialData === 'object' && !Array.isArray(o.initialData) ? o.initialData : undefined;
  const initialKey = JSON.stringify(initialData ?? null);
  const [st, setSt] = useState({ sessionId: '', exists: false, status: 'loading', error: null, data: {} });
  // The state as last set (read by set/publish right after a read, before React renders it).
  const now = useRef(st);
  const put = (next) => {
    now.current = typeof next === 'function' ? next(now.current) : next;
    setSt(now.current);
  };
  const loading = useRef(null);
  const wantsChat = useRef(false);
  const [chatOn, setChatOn] = useState(false);

  const gen = useRef(0);
  const load = useCallback(() => {
    const mine = ++gen.current;
    const run = (async () => {
      const t = await threadSession(`session:${name}`, threadKey);
      let exists = !!t.exists;
      // The initializer runs for a session it creates, when the page asks to start it (`start: true`).
      if (!exists && o.start === true) {
        try {
          await api('/api/sessions/start', { method: 'POST', body: { app: appName(), name, session_id: t.sessionId, ...(viewer() ? { user: viewer() } : {}), ...(initialData ? { initial_data: initialData } : {}) } });
        } catch (e) {
          // Another hook over the same session (or another tab) started it first.
          if (e.status !== 409) throw e;
        }
        exists = true;
      } else if (!exists && initialData) {
        await openStored(name, threadKey, initialData);
        exists = true;
      }
      let data = {};
      if (exists) data = (await api(asViewer(sessionsPath(`/${encodeURIComponent(t.sessionId)}/data`)))).data || {};
      // A read a later one overtook is dropped.
      if (mine === gen.current) put({ sessionId: t.sessionId, exists, status: 'ready', error: null, data });
    })();
    loading.current = run;
    return run.catch((e) => mine === gen.current && put((s) => ({ ...s, status: 'error', error: e.message })));
  }, [name, threadKey, o.start === true, initialKey]);

  useEffect(() => {
    if (!enabled) return undefined;
    load();
    return onDataChange((detail) => {
      const id = now.current.sessionId;
      if (!id || touchesSession(detail, id)) load();
    });
  }, [enabled, load]);

  const write = useCallback(async (what, key, value) => {
    if (!enabled) throw new Error(`useSession("${name}").${what}: the hook is disabled (enabled is false)`);
    if (typeof key !== 'string' || !key) throw new Error(`useSession("${name}").${what}: name the value with a non-empty string key`);
    if (loading.current) await loading.current.catch(() => undefined);
    let { sessionId, exists } = now.current;
    if (!sessionId) throw new Error(`useSession("${name}").${what}: the session could not be opened${now.current.error ? ` (${now.current.error})` : ''}`);
    // A session nothing has created yet is created (with initialData) by the first write.
    if (!exists) {
      sessionId = (await openStored(name, threadKey, initialData)).sessionId;
      exists = true;
    }
    const r = await api(sessionsPath(`/${encodeURIComponent(sessionId)}/data`), { method: 'POST', body: { user: viewer() || undefined, key, value: value === undefined ? null : value } });
    put((s) => ({ ...s, sessionId, exists: true, data: r.data && typeof r.data === 'object' ? r.data : s.data }));
    dataChanged({ sessions: [sessionId], collections: false });
    return r.value;
  }, [enabled, name, threadKey, initialKey]);

  // The session's chat: called on every render; on from the render after the first `chat()`.
  const chatState = useChat('', { sessionId: st.sessionId || undefined, context: initialData, enabled: chatOn && enabled && !!st.sessionId });
  useEffect(() => {
    if (wantsChat.current && !chatOn) setChatOn(true);
  });

  const runIn = async (actionName, payload) => {
    if (loading.current) await loading.current.catch(() => undefined);
    let { sessionId, exists } = now.current;
    if (sessionId && !exists && initialData) sessionId = (await openStored(name, threadKey, initialData)).sessionId;
    const r = await runAction(actionName, payload, sessionId);
    load();
    return r;
  };

  return {
    id: st.sessionId,
    sessionId: st.sessionId,
    ready: st.status === 'ready',
    status: st.status,
    error: st.error,
    data: (key, initial) => (Object.prototype.hasOwnProperty.call(st.data, key) ? st.data[key] : initial),
    allData: () => ({ ...st.data }),
    set: (key, value) => write('set', key, value),
    publish: (key, value) => write('publish', key, value),
    action: (actionName) => ({
      loading: false,
      error: null,
      run: (payload) => runIn(actionName, payload),
    }),
    chat: () => {
      wantsChat.current = true;
      return chatState;
    },
    // The viewer's connections of the app's integrations (integrations.js); connect's flow names
    // this session when it exists (its events are the session's, as a show_integration card's).
    integrations: () => ({
      connect: (type) => connectIntegration(type, now.current.exists ? now.current.sessionId : undefined),
      status: (type) => integrationStatus(type),
    }),
  };
}

/** The viewer's session of `@app.session(name)` for the thread key, found or created with `initialData`. */
function openStored(name, threadKey, initialData) {
  return api(sessionsPath(), { method: 'POST', body: { user: viewer() || undefined, name, threadKey, ...(initialData ? { initialData } : {}) } });
}
