// The app's change feed (GET /api/pages/<app>/changes, SSE), shared by the pages of one app open
// in one browser. A browser keeps about 6 connections to one host, and each open page holding a
// stream of its own would use one up. Here one page of the app (the one holding the Web Lock
// "capsule-feed:<app>") holds the stream and passes each notice, and whether the stream is up,
// on to the others over a BroadcastChannel of the same name; when that page closes (or lets go:
// its tab hidden), the lock passes to the next page waiting for it, which opens the stream.
// Where Web Locks or BroadcastChannel are missing, each page opens its own stream.
//
//   capsuleFeed.subscribe(app, {change(notice), state(up, before)}) -> {up(), close()}
//
// `state` is told each time the stream comes up or goes down (`before`: what it was, undefined
// at first): a page that sees it come back up after being down reads everything again, since
// what changed meanwhile was not told.
'use strict';

const capsuleFeed = (() => {
  /** app -> {subs, up, leader, es, channel, abort, release, heard, timers} */
  const feeds = new Map();
  const shared = typeof BroadcastChannel === 'function' && !!(navigator.locks && typeof navigator.locks.request === 'function');
  /** How often the holder says the stream's state; a page that hears nothing for 3 of these takes it as down. */
  const BEAT_MS = 5000;

  function setUp(f, up) {
    const before = f.up;
    if (before === up) return;
    f.up = up;
    for (const s of [...f.subs]) s.state?.(up, before);
  }

  function deliver(f, notice) {
    for (const s of [...f.subs]) s.change?.(notice);
  }

  const post = (f, msg) => {
    try {
      f.channel?.postMessage(msg);
    } catch {
      // the channel is closed
    }
  };

  function openStream(f, app) {
    f.es = capsule.stream(`/api/pages/${encodeURIComponent(app)}/changes`, {
      'data-changed'(notice) {
        deliver(f, notice);
        post(f, { kind: 'change', notice });
      },
      open() {
        setUp(f, true);
        post(f, { kind: 'state', up: true });
      },
      error() {
        setUp(f, false);
        post(f, { kind: 'state', up: false });
      },
    });
  }

  /** This page holds the lock: it opens the stream for every page of the app in the browser. */
  function lead(f, app) {
    f.leader = true;
    // What the previous holder had may have been missed: every page hears "down" first, then "up".
    if (f.up !== undefined) setUp(f, false);
    post(f, { kind: 'state', up: false });
    openStream(f, app);
    f.timers.push(setInterval(() => post(f, { kind: 'state', up: f.up === true }), BEAT_MS));
  }

  function start(app) {
    const f = { subs: new Set(), up: undefined, leader: false, es: null, channel: null, abort: null, release: null, heard: Date.now(), timers: [] };
    feeds.set(app, f);
    if (!shared) {
      openStream(f, app);
      return f;
    }
    const name = `capsule-feed:${app}`;
    f.channel = new BroadcastChannel(name);
    f.channel.onmessage = (ev) => {
      const m = ev.data;
      if (!m || typeof m !== 'object') return;
      if (m.kind === 'hello') {
        if (f.leader) post(f, { kind: 'state', up: f.up === true });
        return;
      }
      if (f.leader) return;
      f.heard = Date.now();
      if (m.kind === 'change') deliver(f, m.notice);
      else if (m.kind === 'state') setUp(f, m.up === true);
    };
    // A holder that went away without a word (its page crashed): after 3 beats of silence the
    // stream counts as down here (the lock passes on by itself, and the next holder says "up").
    f.timers.push(setInterval(() => {
      if (!f.leader && f.up === true && Date.now() - f.heard > 3 * BEAT_MS) setUp(f, false);
    }, BEAT_MS));
    f.abort = new AbortController();
    navigator.locks
      .request(name, { signal: f.abort.signal }, () => new Promise((resolve) => {
        if (feeds.get(app) !== f) return resolve();
        f.release = resolve;
        lead(f, app);
      }))
      .catch(() => undefined);
    post(f, { kind: 'hello' });
    return f;
  }

  function stop(app, f) {
    feeds.delete(app);
    for (const t of f.timers) clearInterval(t);
    if (f.es) f.es.close();
    if (f.leader) post(f, { kind: 'state', up: false });
    f.abort?.abort();
    f.release?.();
    f.channel?.close();
  }

  // A page going away that holds the stream says so: the others fall back until the next holder is up.
  addEventListener('pagehide', () => {
    for (const f of feeds.values()) if (f.leader) post(f, { kind: 'state', up: false });
  });

  function subscribe(app, handlers) {
    const f = feeds.get(app) || start(app);
    const sub = { change: handlers.change, state: handlers.state };
    f.subs.add(sub);
    if (f.up !== undefined) queueMicrotask(() => f.subs.has(sub) && sub.state?.(f.up, undefined));
    return {
      up: () => f.up === true,
      close() {
        if (!f.subs.delete(sub)) return;
        if (!f.subs.size && feeds.get(app) === f) stop(app, f);
      },
    };
  }

  return Object.freeze({ subscribe, shared });
})();
