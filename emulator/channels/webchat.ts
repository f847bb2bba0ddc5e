// The built-in web chat at /chat: sends messages through hub.dispatch (and an action suggestion's
// click through hub.runAction) and streams each turn's events (deltas, replies, notify, blocks,
// integration prompts) to the page over SSE.
import express, { type Request, type Response } from 'express';
import { randomBytes } from 'node:crypto';
import { catalog } from '../../catalog/catalog';
import type { Hub, OutboundEvent, PendingPrompt, Turn } from '../hub';
import type { StoredSession } from '../store/schema';
import type { AskOutcome, PendingAsk } from '../gateway/asks';
import { matchesPrompt, promptFeed, promptOutcome } from './prompts-feed';
import { openSse } from './sse';
import { sendMedia } from './static';
import { LIMITS, messageTooLong, nameTooLong } from '../limits';
import { sessionIdForKey } from '../gateway/sessions';

/**
 * A React page's chat thread (`useChat(name, {threadKey})`): one session per app, user, chat and
 * key, the same one each time the key is given (its id derived from them, like a channel's
 * conversation).
 */
export function threadSessionKey(app: string, userId: string, chatName: string, threadKey: string): string {
  return `page-thread\u0000${app}\u0000${userId}\u0000${chatName}\u0000${threadKey}`;
}

const json = express.json({ limit: LIMITS.bodyBytes });
const TURN_TTL_MS = 10 * 60_000;

interface OpenTurn {
  turn: Turn;
  userId: string;
  done: boolean;
}

function personaList(hub: Hub) {
  // Channel users (`telegram:123`) talk through their channel, not the web chat.
  return hub.read().personas.filter((p) => !p.id.includes(':'));
}

function sessionSummary(hub: Hub, s: StoredSession) {
  const { firstUser, messages } = hub.outline(s);
  return { id: s.id, app: s.app, userId: s.userId, createdAt: s.createdAt, updatedAt: s.updatedAt, preview: firstUser ? hub.events.preview(firstUser.text, 60) : '(no messages yet)', messages };
}

function connectedTypes(hub: Hub, userId: string): string[] {
  return Object.keys(hub.read().integrations[userId] ?? {});
}

function bad(res: Response, status: number, error: string) {
  res.status(status).json({ error });
}

export function registerWebChat(hub: Hub): void {
  const r = hub.protectedRouter;
  const turns = new Map<string, OpenTurn>();
  const feed = promptFeed(hub);

  /** Follows a turn started here: its events stream at /api/webchat/turns/<id>/events. */
  const track = (turn: Turn, userId: string): void => {
    const open: OpenTurn = { turn, userId, done: false };
    turns.set(turn.requestId, open);
    const forget = () => setTimeout(() => turns.delete(turn.requestId), TURN_TTL_MS).unref();
    turn.finished.then(forget, forget);
  };

  r.get('/chat', (_req, res) => sendMedia(res, 'chat.html'));

  r.get('/api/webchat/bootstrap', (_req, res) => {
    res.json({
      apps: hub.apps().map((a) => ({ name: a.name, status: a.status, reloadError: a.reloadError ?? null, integrations: a.integrations.map((i) => i.type) })),
      personas: personaList(hub),
      // Display names of integration types ("github" -> "GitHub") for the prompt cards.
      titles: Object.fromEntries([...catalog.integrations.values()].map((i) => [i.type, i.title])),
    });
  });

  r.post('/api/webchat/personas', json, async (req: Request, res: Response) => {
    const name = typeof req.body?.name === 'string' ? req.body.name.trim() : '';
    if (!name || name.length > 60) return bad(res, 400, 'give the persona a name of 1 to 60 characters');
    const email = typeof req.body?.email === 'string' && req.body.email.trim() ? req.body.email.trim() : undefined;
    const longEmail = email === undefined ? undefined : nameTooLong('email', email);
    if (longEmail) return bad(res, 400, longEmail);
    const id = `user_${name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'persona'}_${randomBytes(2).toString('hex')}`;
    await hub.update((d) => {
      d.personas.push({ id, name, ...(email ? { email } : {}) });
    });
    res.status(201).json({ id, name, email });
  });

  r.get('/api/webchat/sessions', (req, res) => {
    const user = String(req.query.user ?? '');
    const app = req.query.app ? String(req.query.app) : undefined;
    const list = Object.values(hub.read().sessions)
      .filter((s) => s.channelType === 'chat' && s.userId === user && (!app || s.app === app))
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
      .map((s) => sessionSummary(hub, s));
    res.json({ sessions: list });
  });

  r.get('/api/webchat/sessions/:id', (req, res) => {
    const s = hub.read().sessions[String(req.params.id)];
    if (!s) return bad(res, 404, `no session ${req.params.id}`);
    // A turn still running (e.g. waiting on a prompt) is followed again after a page reload.
    const open = [...turns.values()].find((t) => t.turn.sessionId === s.id && !t.done);
    res.json({ ...sessionSummary(hub, s), history: s.history, connected: connectedTypes(hub, s.userId), openTurn: open?.turn.requestId ?? null });
  });

  // A thread's session (`useChat` with a threadKey): its id, and its history once it has one.
  r.post('/api/webchat/threads', json, (req: Request, res: Response) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const str = (k: string) => (typeof b[k] === 'string' ? (b[k] as string) : '');
    const threadKey = str('threadKey');
    if (!threadKey) return bad(res, 400, 'give the thread a "threadKey"');
    for (const [k, v] of [['threadKey', threadKey], ['chatName', str('chatName')]] as const) {
      const long = nameTooLong(k, v);
      if (long) return bad(res, 400, long);
    }
    const userId = str('userId') || (personaList(hub)[0]?.id ?? 'user_dev');
    if (!hub.read().personas.some((p) => p.id === userId)) return bad(res, 400, `no persona ${userId}`);
    const app = hub.apps().find((a) => a.name === str('app')) ?? (hub.apps().length === 1 ? hub.apps()[0] : undefined);
    if (!app) return bad(res, 404, `no app "${str('app')}" is served here`);
    const id = sessionIdForKey(threadSessionKey(app.name, userId, str('chatName'), threadKey));
    const s = hub.read().sessions[id];
    const open = [...turns.values()].find((t) => t.turn.sessionId === id && !t.done);
    res.json({ sessionId: id, exists: !!s, history: s?.history ?? [], openTurn: open?.turn.requestId ?? null });
  });

  r.post('/api/webchat/messages', json, async (req: Request, res: Response) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const text = typeof b.text === 'string' ? b.text : '';
    if (!text.trim()) return bad(res, 400, 'type a message first');
    const long = messageTooLong(text);
    if (long) return bad(res, 413, long);
    const userId = typeof b.userId === 'string' && b.userId ? b.userId : (personaList(hub)[0]?.id ?? 'user_dev');
    const persona = hub.read().personas.find((p) => p.id === userId);
    if (!persona) return bad(res, 400, `no persona ${userId}`);
    const chatName = typeof b.chatName === 'string' && b.chatName ? b.chatName : undefined;
    const threadKey = typeof b.threadKey === 'string' && b.threadKey ? b.threadKey : undefined;
    let initialDataJson: string | undefined;
    if (b.context !== undefined) {
      if (!b.context || typeof b.context !== 'object' || Array.isArray(b.context)) return bad(res, 400, '"context" must be an object');
      initialDataJson = JSON.stringify(b.context);
      if (initialDataJson.length > LIMITS.bodyBytes) return bad(res, 413, '"context" is too large');
    }
    for (const [k, v] of [['chatName', chatName], ['threadKey', threadKey]] as const) {
      const long = v === undefined ? undefined : nameTooLong(k, v);
      if (long) return bad(res, 400, long);
    }
    const appName = typeof b.app === 'string' && b.app ? b.app : undefined;
    const threadApp = threadKey ? (hub.apps().find((a) => a.name === appName) ?? (!appName && hub.apps().length === 1 ? hub.apps()[0] : undefined)) : undefined;
    if (threadKey && !threadApp) return bad(res, 404, `no app "${appName ?? ''}" is served here`);
    let turn: Turn;
    try {
      turn = await hub.dispatch({
        chatName,
        initialDataJson,
        sessionKey: threadKey && threadApp ? threadSessionKey(threadApp.name, userId, chatName ?? '', threadKey) : undefined,
        app: typeof b.app === 'string' && b.app ? b.app : undefined,
        channelType: 'chat',
        userId,
        userEmail: persona.email,
        sessionId: typeof b.sessionId === 'string' && b.sessionId ? b.sessionId : undefined,
        text,
      });
    } catch (e) {
      // The gateway's own status: an unknown app is 404 and a bad session id 400; only an app
      // that is not running (yet) is 503.
      const status = (e as { status?: unknown }).status;
      return bad(res, typeof status === 'number' && status >= 400 && status < 600 ? status : 503, `the app could not take the message: ${(e as Error).message}`);
    }
    track(turn, userId);
    res.status(202).json({ sessionId: turn.sessionId, requestId: turn.requestId });
  });

  // An action suggestion's click (session.show_suggestions with cpsl.Suggestion(action=...)): the
  // app's action runs in the chat's session, as the web app posts it, and the chat follows its turn
  // as a message's. An action the app does not know ends the turn with the SDK's error.
  r.post('/api/webchat/actions', json, async (req: Request, res: Response) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const name = typeof b.name === 'string' ? b.name : '';
    if (!name) return bad(res, 400, 'the suggestion names no action');
    const sessionId = typeof b.sessionId === 'string' ? b.sessionId : '';
    if (!sessionId) return bad(res, 400, 'an action suggestion runs in a session: open one first');
    const session = hub.read().sessions[sessionId];
    if (!session) return bad(res, 404, `no session ${sessionId.slice(0, 80)}`);
    const userId = typeof b.userId === 'string' && b.userId ? b.userId : session.userId;
    if (!hub.read().personas.some((p) => p.id === userId)) return bad(res, 400, `no persona ${userId.slice(0, 80)}`);
    if (!hub.runAction) return bad(res, 501, 'this emulator runs no actions');
    let turn: Turn;
    try {
      turn = await hub.runAction({ app: session.app, name, payload: b.payload, sessionId, userId });
    } catch (e) {
      const status = (e as { status?: unknown }).status;
      return bad(res, typeof status === 'number' && status >= 400 && status < 600 ? status : 503, `the action "${name.slice(0, 80)}" could not run: ${(e as Error).message}`);
    }
    track(turn, userId);
    res.status(202).json({ sessionId: turn.sessionId, requestId: turn.requestId });
  });

  r.get('/api/webchat/turns/:requestId/events', (req, res) => {
    const open = turns.get(String(req.params.requestId));
    if (!open) return bad(res, 404, 'no such turn (it ended more than ten minutes ago)');
    const { turn, userId } = open;
    const sse = openSse(req, res);
    // Blocking integration prompts: the block arrives first, the broker's prompt just after.
    const waiting = new Map<string, string>(); // integration type -> block id
    const shown = new Map<string, string>(); // prompt id -> block id
    const announce = (p: PendingPrompt, blockId: string) => {
      if (shown.has(p.id)) return;
      shown.set(p.id, blockId);
      waiting.delete(p.type);
      sse.send('prompt', { blockId, promptId: p.id, type: p.type, mode: p.mode, reason: p.reason, deadline: p.deadline, serverNow: hub.clock.now(), connectUrl: `/connect/${encodeURIComponent(p.id)}` });
    };
    const stopFeed = feed.add((kind, p) => {
      if (kind === 'created' && waiting.has(p.type) && matchesPrompt(p, turn.sessionId, userId, p.type)) {
        announce(p, waiting.get(p.type)!);
      } else if (kind === 'resolved' && shown.has(p.id)) {
        sse.send('prompt-resolved', { blockId: shown.get(p.id), promptId: p.id, outcome: promptOutcome(hub, p) });
      }
    });
    sse.onClose(stopFeed);
    // Approval and file prompts of this turn's session: the card answers by the emulator's id.
    if (hub.asks) {
      const asks = hub.asks;
      const sent = new Set<string>();
      const announceAsk = (a: PendingAsk): void => {
        if (a.sessionId !== turn.sessionId || sent.has(a.id)) return;
        sent.add(a.id);
        sse.send('ask', { blockId: a.blockId, askId: a.id, kind: a.kind, deadline: a.deadline, serverNow: hub.clock.now() });
      };
      const onResolved = (a: PendingAsk, o: AskOutcome): void => {
        if (sent.has(a.id)) sse.send('ask-resolved', { blockId: a.blockId, askId: a.id, outcome: o.kind });
      };
      asks.on('created', announceAsk);
      asks.on('resolved', onResolved);
      for (const a of asks.list()) announceAsk(a);
      sse.onClose(() => {
        asks.off('created', announceAsk);
        asks.off('resolved', onResolved);
      });
    }
    const stop = turn.subscribe((e: OutboundEvent) => {
      sse.send(e.kind, e);
      if (e.kind === 'block' && e.block.type === 'integration_prompt') {
        const payload = (e.block.payload ?? {}) as { type?: string; blocking?: boolean };
        if (payload.blocking && payload.type) {
          waiting.set(payload.type, e.block.id);
          const pending = hub.prompts.list().find((p) => matchesPrompt(p, turn.sessionId, userId, payload.type!) && !shown.has(p.id));
          if (pending) announce(pending, e.block.id);
        } else if (payload.type && connectedTypes(hub, userId).includes(payload.type)) {
          sse.send('integration-state', { blockId: e.block.id, type: payload.type, connected: true });
        }
      }
      if (e.kind === 'done') {
        open.done = true;
        // Let the last event flush before closing.
        setImmediate(() => sse.close());
      }
    });
    sse.onClose(stop);
    // The app changed the session's data: the chat page (media/pages.js) reads its widgets again.
    const stopData = turn.onDataChanged?.(() => sse.send('data-changed', { sessionId: turn.sessionId }));
    if (stopData) sse.onClose(stopData);
  });
}
