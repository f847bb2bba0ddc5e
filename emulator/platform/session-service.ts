// SessionService: the session a message belongs to (user, channel, data, history, the user's
// integrations), its data saved with the SDK's compare-and-set, the history, notifications, the
// held integration prompt, and the Pipedream proxy (pipedream-proxy.ts). Sessions, turns and prompts are the hub's, shared with the
// bundled runtime and every channel.
import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { GatewayHub } from '../gateway/hub-impl';
import { HISTORY_COUNT } from '../gateway/hub-impl';
import type { TurnState } from '../gateway/turns';
import { GrpcError, type PlatformCaller, type ServiceImpl } from './server';
import { hubMethod } from './runner-service';
import type { AskKind, AskOutcome } from '../gateway/asks';
import { pipedreamProxy } from './pipedream-proxy';

/** Keys the SDK reads as the server's bookkeeping of session data (cpsl/session.py). */
const REVISION_KEY = '__cpsl_session_rev';
const CHECKSUM_KEY = '__cpsl_session_checksum';
const NONCE_KEY = '__cpsl_session_nonce';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function canonical(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k]!)}`).join(',')}}`;
  return JSON.stringify(v);
}

/** The SDK's checksum of a payload: sha256 of its canonical JSON, escaped as Go's encoder does. */
export function dataChecksum(payload: Record<string, Json>): string {
  const text = canonical(payload).replace(/&/g, '\\u0026').replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return 'sha256:' + createHash('sha256').update(text).digest('hex');
}

function payloadOf(dataJson: string): Record<string, Json> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(dataJson || '{}');
  } catch {
    throw new GrpcError(grpc.status.INVALID_ARGUMENT, 'data_json is not valid JSON');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new GrpcError(grpc.status.INVALID_ARGUMENT, 'data_json must be a JSON object');
  const out = { ...(parsed as Record<string, Json>) };
  delete out[REVISION_KEY];
  delete out[CHECKSUM_KEY];
  delete out[NONCE_KEY];
  return out;
}

/** Session data as the SDK expects it back: the payload with the revision and its checksum. */
function snapshot(dataJson: string, revision: number): { data_json: string; revision: number; checksum: string } {
  const payload = payloadOf(dataJson);
  const checksum = dataChecksum(payload);
  return { data_json: JSON.stringify({ ...payload, [REVISION_KEY]: revision, [CHECKSUM_KEY]: checksum }), revision, checksum };
}

function requireSession(hub: GatewayHub, id: unknown) {
  const s = typeof id === 'string' && id ? hub.sessionHead(id) : undefined;
  if (!s) throw new GrpcError(grpc.status.NOT_FOUND, `unknown session "${String(id ?? '')}"`);
  return s;
}

/** The session an integration wait belongs to: the user's open turn on this runner, if any. */
function openTurnOf(hub: GatewayHub, caller: PlatformCaller, userId: string) {
  let found;
  for (const t of hub.turns.values()) if (t.runner === caller.runner && !t.finishing && (t.userId === userId || !userId)) found = t;
  return found;
}

/**
 * The reason of an integration prompt: in the integration_prompt card the SDK shows before it
 * waits, or, when that card's reason is empty, the text sent just before it (the SDK sends the
 * reason as a reply then). The card and the wait travel on different threads of the runner, so
 * either may come first: SubmitResult fills the reason in when the card comes second, before the
 * card is published (the web chat shows the prompt's reason on the card).
 */
export function promptReason(turn: TurnState, type: string, card?: { payload?: { reason?: unknown } }): string {
  const blocks = turn.blocks as Array<{ type?: string; payload?: { type?: string; reason?: unknown } }>;
  const shown = card ?? blocks.filter((b) => b.type === 'integration_prompt' && b.payload?.type === type).at(-1);
  if (!shown) return '';
  return (typeof shown.payload?.reason === 'string' && shown.payload.reason) || turn.streamText || turn.lastReply() || '';
}

/**
 * Holds WaitForApproval / WaitForFileUpload open on the ask broker until an answer, the hub
 * clock's deadline, or the runner going away (then nobody is left to answer: a timeout to the SDK).
 */
async function holdAsk(hub: GatewayHub, caller: PlatformCaller, kind: AskKind, req: Record<string, unknown>): Promise<AskOutcome> {
  const head = requireSession(hub, req.session_id);
  const blockId = String(req.block_id ?? '');
  if (!blockId) throw new GrpcError(grpc.status.INVALID_ARGUMENT, 'block_id is required');
  const { outcome, cancel } = hub.asks.open({
    kind,
    app: caller.sup.name,
    userId: head.userId,
    sessionId: head.id,
    blockId,
    // The SDK sends int(timeout): 0 for a timeout under a second.
    timeoutSeconds: Math.max(1, Number(req.timeout_seconds) || 0),
  });
  const held = hub.runnerPrompts.get(caller.runner) ?? new Set<() => void>();
  hub.runnerPrompts.set(caller.runner, held);
  const drop = (): void => cancel('the app stopped waiting');
  held.add(drop);
  if (caller.gone.aborted) drop();
  else caller.gone.addEventListener('abort', drop, { once: true });
  try {
    return await outcome;
  } finally {
    held.delete(drop);
    caller.gone.removeEventListener('abort', drop);
  }
}

interface Entry {
  sender: string;
  text: string;
  timestamp: number;
  channel_type: string;
  block_json?: string;
}

/**
 * The history as the SDK reads it back: a block's entry is its envelope (the SDK finds its own
 * blocks there: a reopened `session.terminal` continues its runs and revision), and a block shown
 * again under the same id is one entry, where it was first shown, with its latest content, as a
 * chat draws it. Separate entries would sit next to each other, and the SDK joins neighbouring
 * entries of one sender into one text, which would no longer be an envelope it can read.
 */
function sdkHistory(entries: Entry[]): Array<Omit<Entry, 'block_json'>> {
  const out: Array<Omit<Entry, 'block_json'>> = [];
  const at = new Map<string, number>();
  for (const h of entries) {
    const entry = { sender: h.sender, text: h.sender === 'block' && h.block_json ? h.block_json : h.text, timestamp: Math.floor(h.timestamp), channel_type: h.channel_type };
    let id: string | undefined;
    if (h.sender === 'block' && h.block_json) {
      try {
        const b = JSON.parse(h.block_json) as { id?: unknown };
        if (typeof b.id === 'string' && b.id) id = b.id;
      } catch {
        // Not JSON: kept as it is.
      }
    }
    const first = id === undefined ? undefined : at.get(id);
    if (first !== undefined) {
      out[first] = entry;
      continue;
    }
    if (id !== undefined) at.set(id, out.length);
    out.push(entry);
  }
  return out;
}

export function sessionService(hub: GatewayHub): ServiceImpl {
  return {
    unary: {
      async GetSession(req) {
        const id = String(req.session_id ?? '');
        requireSession(hub, id);
        const count = Number(req.history_count) > 0 ? Number(req.history_count) : HISTORY_COUNT;
        const s = (await hub.sessionSnapshot(id, count))!;
        const head = hub.sessionHead(id)!;
        return {
          session_id: id,
          app_id: head.app,
          channel_type: s.channel_type,
          user_id: s.user_id,
          user_email: s.user_email,
          owner_id: s.owner_id,
          org_id: s.org_id,
          data_json: snapshot(s.data_json, head.dataRevision ?? 0).data_json,
          history: sdkHistory(s.history),
          integrations: s.integrations,
        };
      },

      async SaveSessionData(req) {
        const id = String(req.session_id ?? '');
        requireSession(hub, id);
        const payload = payloadOf(String(req.data_json ?? ''));
        // A session this turn has not written yet must be in the store before its data is.
        if (!hub.read().sessions[id]) hub.flushSession(id);
        let outcome: { ok: boolean; revision: number; dataJson: string } | undefined;
        await hub.update((d) => {
          const s = d.sessions[id];
          if (!s) return;
          const current = s.dataRevision ?? 0;
          if (Number(req.base_revision ?? 0) !== current) {
            outcome = { ok: false, revision: current, dataJson: s.dataJson };
            return;
          }
          s.dataJson = JSON.stringify(payload);
          s.dataRevision = current + 1;
          outcome = { ok: true, revision: current + 1, dataJson: s.dataJson };
        });
        if (!outcome) throw new GrpcError(grpc.status.NOT_FOUND, `unknown session "${id}"`);
        if (outcome.ok) hub.dataChanges.note(hub.sessionHead(id)?.app ?? '', { sessionId: id });
        const snap = snapshot(outcome.dataJson, outcome.revision);
        return { ok: outcome.ok, conflict: !outcome.ok, revision: snap.revision, checksum: snap.checksum, data_json: snap.data_json };
      },

      async NotifySession(req, caller) {
        await hubMethod(hub, caller, 'NotifySession', req);
        return { ok: true, external_delivered: false, err_msg: '' };
      },

      GetHistory(req) {
        const id = String(req.session_id ?? '');
        requireSession(hub, id);
        const all = hub.sessionView(id)!.history;
        const before = Number(req.before_seq) > 0 ? Math.min(Number(req.before_seq), all.length) : all.length;
        const count = Number(req.count) > 0 ? Number(req.count) : HISTORY_COUNT;
        return { entries: sdkHistory(all.slice(Math.max(0, before - count), before).map((h) => ({ sender: h.sender, text: h.text, timestamp: h.timestamp, channel_type: h.channelType, block_json: h.blockJson }))) };
      },

      async GetUserIntegrations(req, caller) {
        // owner_id is the user's id for a user of no org (the emulator's personas).
        const owner = String(req.owner_id ?? '');
        return (await hubMethod(hub, caller, 'GetUserIntegrations', { user_id: owner.startsWith('org:') ? '' : owner, user_email: req.user_email })) as Record<string, unknown>;
      },

      async WaitForIntegration(req, caller) {
        const userId = hub.userIdFrom(hub.read(), req.user_id, req.user_id);
        const turn = openTurnOf(hub, caller, userId);
        const type = String(req.integration_type ?? '');
        const result = (await hubMethod(hub, caller, 'WaitForIntegration', {
          app_id: req.app_id,
          user_id: userId,
          session_id: turn?.sessionId,
          integration_type: type,
          reason: turn ? promptReason(turn, type) : '',
          // The SDK sends int(timeout): 0 for a timeout under a second.
          timeout_seconds: Math.max(1, Number(req.timeout_seconds) || 0),
        })) as { timed_out: boolean; connected: boolean; credential?: unknown };
        return { connected: result.connected, timed_out: result.timed_out, ...(result.credential ? { credential: result.credential } : {}) };
      },

      CompleteOnboarding(req, { sup }) {
        const head = requireSession(hub, req.session_id);
        if (head.app !== sup.name) throw new GrpcError(grpc.status.PERMISSION_DENIED, `session "${String(req.session_id)}" is not of this runner's app (${sup.name})`);
        if (!hub.onboarding) throw new GrpcError(grpc.status.UNAVAILABLE, 'onboarding records need the collections database, which is not open');
        const done = hub.onboarding.complete(head.app, head.userId);
        if (done.first) hub.events.emit({ kind: 'onboarding', app: head.app, sessionId: head.id, userId: head.userId, summary: `${head.userId} completed the onboarding of ${head.app}`, detail: { completedAt: done.completedAt } });
        return { completed: true, completed_at: done.completedAt };
      },

      PipedreamProxy(req, caller) {
        return pipedreamProxy(hub, req, caller);
      },

      async WaitForApproval(req, caller) {
        const o = await holdAsk(hub, caller, 'approval', req);
        return { approved: o.kind === 'approved', timed_out: o.kind === 'timed_out' };
      },

      async WaitForFileUpload(req, caller) {
        const o = await holdAsk(hub, caller, 'file', req);
        if (o.kind !== 'uploaded') return { timed_out: true, filename: '', content_type: '', url: '', size: 0 };
        return { timed_out: false, filename: o.file.name, content_type: o.file.contentType, url: o.file.url, size: o.file.size };
      },
    },
    unimplemented: {},
  };
}
