// The chat hooks of @capsule/page over the emulator's web chat API: useChat (a conversation with
// one of the app's chat handlers: `chatName` is the handler's name, '' the default one) and
// useSession (a session started by an `@app.session` initializer, its data and actions).
// A threadKey names one session per app, viewer, chat and key (POST /api/webchat/threads): the
// same one on every load. Without threadKey or sessionId the page's chat is the thread "default".
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, appName, dataChanged, notAvailable, viewer } from './context.js';
import { runAction, threadSession } from './data.js';

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

/**
 * A session of the app's `@app.session(name)`: one per viewer and thread key; with `start: true`
 * (cpsl's `App.session` docstring) the initializer runs when the session is created. Its data is
 * read from the emulator's store.
 */
export function useSession(name, opts = {}) {
  const o = opts || {};
  const enabled = o.enabled !== false;
  const [st, setSt] = useState({ sessionId: '', status: 'loading', error: null, data: {} });
  const load = useCallback(async () => {
    if (o.initialData) throw notAvailable('useSession(name, {initialData})');
    const t = await threadSession(`session:${name}`, o.threadKey ?? 'default');
    // The initializer runs for a session it creates, when the page asks to start it (`start: true`).
    if (!t.exists && o.start === true) {
      await api('/api/sessions/start', { method: 'POST', body: { app: appName(), name, session_id: t.sessionId, ...(viewer() ? { user: viewer() } : {}) } });
    }
    let data = {};
    if (t.exists || o.start === true) {
      const s = await api(`/api/dashboard/sessions/${encodeURIComponent(t.sessionId)}`);
      try {
        data = JSON.parse(s.data || '{}') || {};
      } catch {
        data = {};
      }
    }
    setSt({ sessionId: t.sessionId, status: 'ready', error: null, data });
  }, [name, o.threadKey]);
  useEffect(() => {
    if (!enabled) return;
    load().catch((e) => setSt((s) => ({ ...s, status: 'error', error: e.message })));
  }, [enabled, load]);
  const refresh = () => load().catch((e) => setSt((s) => ({ ...s, status: 'error', error: e.message })));
  return {
    id: st.sessionId,
    sessionId: st.sessionId,
    ready: st.status === 'ready',
    status: st.status,
    error: st.error,
    data: (key, initial) => (Object.prototype.hasOwnProperty.call(st.data, key) ? st.data[key] : initial),
    allData: () => ({ ...st.data }),
    set: () => Promise.reject(notAvailable('useSession().set')),
    publish: () => Promise.reject(notAvailable('useSession().publish')),
    action: (actionName) => ({
      loading: false,
      error: null,
      run: async (payload) => {
        const r = await runAction(actionName, payload, st.sessionId);
        refresh();
        return r;
      },
    }),
    chat: () => {
      throw notAvailable('useSession().chat() (use useChat with the session id)');
    },
    integrations: () => ({
      connect: () => Promise.reject(notAvailable('useSession().integrations().connect')),
      status: () => Promise.reject(notAvailable('useSession().integrations().status')),
    }),
  };
}
