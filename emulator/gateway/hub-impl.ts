// The gateway's Hub: sessions and history in the store, turns (dispatch → runner inbound →
// SubmitResult/NotifySession → Turn), prompts, events, the clock, and the apps being served.
// Everything a caller is told is done (a finished turn, a saved session, an answered prompt) is
// on disk first: the store's update() resolves only once its write is durable.
import { Router } from 'express';
import type { AppInfo, Hub, InboundInput, OutboundEvent, PendingPrompt } from '../hub';
import type { HistoryItem, HistoryOutline, Store, StoreData, StoredIntegration, StoredEvent, StoredSession } from '../store';
import { dict } from '../store';
import type { NewHubEvent } from './events';
import type { AppSupervisor } from '../runner/supervisor';
import { describeExit, type HistoryHeld, type RunnerLinkPort, type RunnerProcess } from '../runner/process';
import type { GatewayCollections } from '../collections/gateway';
import type { OnboardingRecords } from '../platform/onboarding';
import type { ScheduleClock } from '../platform/schedules';
import type { TaskQueue } from '../platform/task-queue';
import { HubClock } from './clock';
import { HubEvents } from './events';
import { Prompts } from './prompts';
import { Asks } from './asks';
import { GatewaySecrets } from './secrets';
import type { SecretScrubber } from './scrubber';
import { TurnState, type InboundMessage } from './turns';
import { turnTrace } from './turn-trace';
import { toWire } from './credentials';
import { urlForApp } from '../platform/uploads';
import { HttpError } from './errors';
import { dispatchAction } from './actions';
import { DataChanges } from './data-changes';
import { LogRecords, recordSummary } from './log-records';
import { LIMITS, clipText, messageTooLong, nameTooLong } from '../limits';
import { appendHistory, ensureSession, findPersona, newId, ownerIdOf, sessionIdForKey, validSessionId } from './sessions';

/** History items sent with each message and answered to GetSession (the platform's default). */
export const HISTORY_COUNT = 50;

export interface OutboundContext {
  app: string;
  sessionId: string;
  channelType: string;
  /** false for messages outside any turn (e.g. a notify from a background task). */
  inTurn: boolean;
}

export class GatewayHub implements Hub {
  url = '';
  /** host:port of the gRPC gateway the real SDK connects to (emulator/platform). */
  platformAddress = '';
  readonly clock = new HubClock();
  readonly events: HubEvents;
  readonly prompts: Prompts;
  /** The SDK's approval and file-upload prompts (gateway/asks.ts). */
  readonly asks: Asks;
  readonly protectedRouter = Router();
  readonly publicRouter = Router();
  readonly secretsImpl: GatewaySecrets;
  readonly secrets: Hub['secrets'];
  /** The one scrubber (scrubber.ts): every sink of text for people or files goes through it. */
  readonly scrubber: SecretScrubber;
  refreshIntegrations?: (userId: string) => Promise<void>;
  /** The app's collections (DataService, the dashboard's browser); set by the gateway. */
  collections?: GatewayCollections;
  /** Changes of the apps' data (collections, sessions' data), coalesced for the pages that follow them. */
  readonly dataChanges = new DataChanges();
  /** Background tasks (`@app.task`) of the served apps (TaskService, the dashboard); set by the gateway. */
  tasks?: TaskQueue;
  /** Who completed which app's onboarding (`session.complete_onboarding`); set by the gateway. */
  onboarding?: OnboardingRecords;
  /** The apps' cron schedules (`@app.schedule`) on the hub's clock; set by the gateway. */
  schedules?: ScheduleClock;
  readonly supervisors: AppSupervisor[] = [];
  readonly runners = new Map<string, { runner: RunnerProcess; sup: AppSupervisor }>();
  readonly turns = new Map<string, TurnState>();
  private readonly sessionTurns = new Map<string, TurnState[]>();
  private readonly outboundListeners = new Set<(e: OutboundEvent, ctx: OutboundContext) => void>();
  /** Prompts held by each runner, cancelled when it goes away. */
  readonly runnerPrompts = new Map<RunnerProcess, Set<() => void>>();
  /** Open runner links (link.ts), closed with the hub. */
  readonly links = new Set<RunnerLinkPort>();
  readyTimeoutMs = 30_000;

  filesystemsDir(): string {
    return this.store.paths.filesystems;
  }

  constructor(readonly store: Store, env: NodeJS.ProcessEnv = process.env) {
    this.secretsImpl = new GatewaySecrets(store, env, () => this.declaredSecretNames());
    this.scrubber = this.secretsImpl.scrubber;
    this.secrets = {
      resolve: (name) => {
        const r = this.secretsImpl.resolve(name);
        if (r) this.events.emit({ kind: 'secret', summary: `secret ${name} resolved from ${r.source}`, detail: { name, source: r.source, by: 'emulator' } });
        return r;
      },
    };
    this.events = new HubEvents(store, this.scrubber);
    this.prompts = new Prompts(
      this.clock,
      (p, c) => this.saveCredential(p, c),
      (p, outcome) =>
        this.events.emit({
          kind: 'prompt',
          app: p.app,
          sessionId: p.sessionId,
          userId: p.userId,
          summary: `prompt ${p.id} for ${p.type}: ${outcome}`,
          detail: { id: p.id, type: p.type, outcome },
        }),
    );
    this.asks = new Asks(this.clock, (a, outcome) =>
      this.events.emit({ kind: 'prompt', app: a.app, sessionId: a.sessionId, userId: a.userId, summary: `${a.kind} prompt ${a.id}: ${outcome}`, detail: { id: a.id, type: a.kind, outcome } }),
    );
    this.asks.on('created', (a) => {
      if (a.sessionId) this.flushSession(a.sessionId);
      this.events.emit({ kind: 'prompt', app: a.app, sessionId: a.sessionId, userId: a.userId, summary: `${a.app} asks ${a.userId} ${a.kind === 'approval' ? 'for an approval' : 'for a file'}`, detail: { id: a.id, type: a.kind, outcome: 'pending' } });
    });
    this.prompts.on('created', (p) => {
      // The message that led to the prompt goes into the log (and the store) before the prompt.
      if (p.sessionId) this.flushSession(p.sessionId);
      this.events.emit({
        kind: 'prompt',
        app: p.app,
        sessionId: p.sessionId,
        userId: p.userId,
        summary: `${p.app} asks ${p.userId} to connect ${p.type} (${p.mode})${p.reason ? `: ${p.reason}` : ''}`,
        detail: { id: p.id, type: p.type, mode: p.mode, scopes: p.scopes, fields: p.fields, outcome: 'pending' },
      });
    });
  }

  read(): StoreData {
    return this.store.read();
  }

  outline(session: StoredSession): HistoryOutline {
    return this.store.outline(session);
  }

  /** Secret names the served apps declare, and their integrations' client secret names. */
  private *declaredSecretNames(): Iterable<string> {
    for (const s of this.supervisors) yield* s.declaredSecretNames();
  }

  update(mutator: (data: StoreData) => void): Promise<void> {
    return this.store.update(mutator);
  }

  apps(): AppInfo[] {
    return this.supervisors.map((s) => s.info());
  }

  onOutbound(listener: (e: OutboundEvent, ctx: OutboundContext) => void): () => void {
    this.outboundListeners.add(listener);
    return () => this.outboundListeners.delete(listener);
  }

  pickApp(name?: string): AppSupervisor {
    if (name) {
      const s = this.supervisors.find((x) => x.name === name || x.entry.spec === name);
      if (!s) throw new HttpError(404, `no app named "${name}" is served here (served: ${this.supervisors.map((x) => x.name).join(', ') || 'none'})`);
      return s;
    }
    if (this.supervisors.length === 1) return this.supervisors[0]!;
    if (!this.supervisors.length) throw new HttpError(503, 'no app is served by this emulator');
    throw new HttpError(400, `several apps are served (${this.supervisors.map((x) => x.name).join(', ')}): say which one with "app"`);
  }

  async runAction(input: { app?: string; name: string; payload: unknown; sessionId: string; userId: string }): Promise<TurnState> {
    const { turn } = await dispatchAction(this, { app: input.app, name: input.name, payload: input.payload, session_id: input.sessionId, user: input.userId }, 'chat');
    return turn;
  }

  async dispatch(input: InboundInput): Promise<TurnState> {
    const received = performance.now();
    if (typeof input.text !== 'string') throw new HttpError(400, '"text" must be a string');
    const long = messageTooLong(input.text);
    if (long) throw new HttpError(413, long);
    // A persona's id is the emulator's own (`user_` + the name); any other user id is the caller's.
    const callerUser = findPersona(this.store.read(), input.userId) ? undefined : input.userId;
    for (const [field, v] of [['user', callerUser], ['app', input.app], ['channel', input.channelName]] as const) {
      const problem = v === undefined ? undefined : nameTooLong(field, v);
      if (problem) throw new HttpError(400, problem);
    }
    const sup = this.pickApp(input.app);
    let runner: RunnerProcess;
    try {
      runner = await sup.ready(this.readyTimeoutMs);
    } catch (e) {
      throw new HttpError(503, (e as Error).message);
    }
    const app = sup.name;
    const sessionId = input.sessionId ?? (input.sessionKey ? sessionIdForKey(input.sessionKey) : newId('ses'));
    if (!validSessionId(sessionId)) throw new HttpError(400, `invalid session id "${sessionId.slice(0, 80)}" (letters, digits, _ . : - only)`);
    const data = this.store.read();
    const persona = findPersona(data, input.userId);
    const userId = persona?.id ?? input.userId;
    const userEmail = input.userEmail ?? persona?.email ?? '';
    const orgId = persona?.orgId ?? '';
    const requestId = newId('req');
    const nowIso = new Date().toISOString();
    const ts = Date.now() / 1000;
    const turn = new TurnState(app, sessionId, requestId, userId, input.channelType, runner);
    turn.channelName = input.channelName;
    turn.trace = turnTrace(received);
    this.turns.set(requestId, turn);
    const list = this.sessionTurns.get(sessionId) ?? [];
    list.push(turn);
    this.sessionTurns.set(sessionId, list);

    // Scrubbed before it is clipped: a value cut in two would no longer match.
    const shown = this.scrubber.text(input.action ? input.action.label : input.text);
    const summary = `${input.channelType}${input.channelName ? `:${input.channelName}` : ''} ${userId}: ${clip(shown)}`;
    if (!data.sessions[sessionId]) {
      // A chat's title comes from the platform (a group's name): kept, at a name's length.
      const chatName = input.chatName === undefined ? undefined : clipText(input.chatName, LIMITS.nameChars);
      turn.journal.session = { id: sessionId, app, userId, channelType: input.channelType, channelName: input.channelName, chatName, createdAt: nowIso };
    }
    // An action is no message of the conversation: the platform keeps no user item for a click.
    const userItem = input.action ? undefined : { text: shown, sender: 'user' as const, channelType: input.channelType, timestamp: ts, requestId };
    this.journal(turn, userItem, {
      kind: input.action ? 'action' : 'inbound',
      app,
      sessionId,
      userId,
      channel: input.channelType,
      summary,
      detail: { requestId, channelType: input.channelType, channelName: input.channelName, ...(input.action ? { action: input.action.name } : {}) },
    });

    const message = {
      request_id: requestId,
      session_id: sessionId,
      user_id: userId,
      user_email: userEmail,
      org_id: orgId,
      owner_id: ownerIdOf({ id: userId, orgId: orgId || undefined }),
      channel_type: input.channelType,
      text: input.text,
      // A file of ours goes with its token: the SDK's Attachment.download() sends no credentials.
      attachments: (input.attachments ?? []).map((a) => ({ filename: a.filename, content_type: a.content_type, url: urlForApp(this, a.url), size: a.size })),
      chat_name: input.chatName ?? '',
      initial_data_json: input.initialDataJson ?? '',
      action_name: input.action?.name ?? '',
      action_payload_json: input.action?.payloadJson ?? '',
    };
    turn.inbound = message;
    void this.sendInbound(runner, turn, message);
    return turn;
  }

  private async sendInbound(runner: RunnerProcess, turn: TurnState, message: InboundMessage): Promise<void> {
    if (runner.inbox) {
      // The real SDK: the message goes down its Recv stream; it asks for the session (GetSession).
      runner.inbox.deliver(message);
      turn.trace?.markDelivered();
      setImmediate(() => void this.flushTurn(turn).catch(() => undefined));
      return;
    }
    try {
      // The session comes along, so that the runner need not ask for it (GetSession still works).
      // Over the link, only the history the runner was not sent yet (PROTOCOL.md, "History over
      // the link").
      const link = runner.link?.open ? runner.link : undefined;
      message.session = await this.sessionSnapshot(turn.sessionId, HISTORY_COUNT, link?.historySent(turn.sessionId));
      // A runner with a live link gets a frame; one without (an older runtime, a process that
      // could not upgrade) or whose link just dropped gets the HTTP delivery, with the whole tail.
      if (link?.sendInbound(message)) {
        turn.sentOver = link;
        turn.trace?.markDelivered();
        // While the app handles it, the message is written (so that little is left to do when the reply comes).
        setImmediate(() => void this.flushTurn(turn).catch(() => undefined));
        return;
      }
      if (link) message.session = await this.sessionSnapshot(turn.sessionId);
      turn.trace?.markDelivered();
      const res = await fetch(runner.baseUrl + '/_capsule/inbound', {
        method: 'POST',
        headers: { authorization: `Bearer ${runner.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      if (!res.ok) {
        let why = text;
        try {
          why = (JSON.parse(text) as { error?: string }).error ?? text;
        } catch {
          // Not JSON: the body as it is.
        }
        this.endTurn(turn, `the app refused the message (${res.status}): ${why}`);
      }
    } catch (e) {
      // A handler that kills its process can do so before the runner answers the delivery: give
      // the exit a moment to be noticed, so the caller learns that the app exited, not a socket error.
      if (runner.state !== 'exited') await Promise.race([runner.whenExited(), new Promise((r) => setTimeout(r, 1000))]);
      await new Promise((r) => setImmediate(r));
      if (!turn.done && !turn.finishing) {
        this.endTurn(
          turn,
          runner.state === 'exited'
            ? `the app process exited (${describeExit(runner.exitCode, runner.exitSignal)}) while handling this message`
            : `could not deliver the message to the app: ${(e as Error).message}`,
        );
      }
    }
  }

  /**
   * A runner link closed. A message written to it as the runner's end went away never reached the
   * app, and nothing else would ever end its turn: every open turn sent over that link is sent
   * again (over HTTP, or the runner's new link). The runtime takes a message once by its request
   * id, so one that did arrive is not handled twice (PROTOCOL.md, "When the link closes").
   */
  linkClosed(link: RunnerLinkPort): void {
    for (const turn of this.turns.values()) {
      if (turn.sentOver !== link || turn.finishing || !turn.inbound) continue;
      turn.sentOver = undefined;
      const runner = turn.runner;
      // A runner being stopped or gone ends its turns itself (runnerGone).
      if (runner?.alive && !runner.stopping) void this.sendInbound(runner, turn, turn.inbound);
    }
  }

  /** The turn an app's call belongs to: by request id, else the session's oldest open turn. */
  turnFor(requestId: unknown, sessionId: unknown): TurnState | undefined {
    const byId = typeof requestId === 'string' ? this.turns.get(requestId) : undefined;
    if (byId && !byId.finishing) return byId;
    if (typeof sessionId !== 'string') return undefined;
    return this.sessionTurns.get(sessionId)?.find((t) => !t.finishing);
  }

  /** Records an outbound event: history + event log (one write), turn listeners, channel listeners. */
  outbound(sessionId: string, turn: TurnState | undefined, raw: OutboundEvent, rawHistory?: { text: string; sender: 'app' | 'system' | 'block'; blockJson?: string }): void {
    // What the app sends is scrubbed where it enters: every channel, answer and record gets the same.
    const e = this.scrubber.json(raw);
    const history = rawHistory && this.scrubber.json(rawHistory);
    // A reply, notify or block ends the streamed text before it: that text is one message, first.
    if (turn && e.kind !== 'delta' && e.kind !== 'done') this.closeStreamed(turn);
    const session = this.store.read().sessions[sessionId];
    const app = turn?.app ?? session?.app ?? '';
    const channelType = turn?.channelType ?? session?.channelType ?? 'chat';
    if (history) {
      const ts = Date.now() / 1000;
      const item = { ...history, channelType, timestamp: ts, requestId: turn?.requestId };
      const channelName = turn ? turn.channelName : session?.channelName;
      const event = { kind: e.kind, app, sessionId, userId: turn?.userId ?? session?.userId, channel: channelType, summary: summaryOf(e), detail: { requestId: turn?.requestId, channelType, channelName } };
      if (turn) this.journal(turn, item, event);
      else {
        // Outside any turn (a background notify): written at once.
        let stored: StoredEvent | undefined;
        void this.store
          .update((d) => {
            appendHistory(d, sessionId, item);
            stored = this.events.pushIn(d, event);
          })
          .catch(() => undefined);
        if (stored) this.events.notify(stored);
      }
    }
    turn?.push(e);
    for (const l of this.outboundListeners) {
      try {
        l(e, { app, sessionId, channelType, inTurn: !!turn });
      } catch {
        // A channel's delivery failure is its own; others still get the event.
      }
    }
  }

  /** The turn's streamed text so far becomes one message of the history. */
  private closeStreamed(turn: TurnState): void {
    // Deltas are scrubbed one by one; a value split across two is caught once they are joined.
    const joined = turn.closeStream();
    if (joined === undefined) return;
    const streamed = this.scrubber.text(joined);
    const base = { app: turn.app, sessionId: turn.sessionId, userId: turn.userId, channel: turn.channelType };
    const named = { channelType: turn.channelType, channelName: turn.channelName };
    this.journal(turn, { text: streamed, sender: 'app', channelType: turn.channelType, timestamp: Date.now() / 1000, requestId: turn.requestId }, { ...base, kind: 'reply', summary: clip(streamed), detail: { requestId: turn.requestId, streamed: true, ...named } });
  }

  endTurn(turn: TurnState, rawError: string | undefined): void {
    if (turn.done || turn.finishing) return;
    turn.trace?.markEnded();
    const error = rawError && this.scrubber.text(rawError);
    this.closeStreamed(turn);
    const ts = Date.now() / 1000;
    const base = { app: turn.app, sessionId: turn.sessionId, userId: turn.userId, channel: turn.channelType };
    if (error) {
      this.journal(turn, { text: `Error: ${error}`, sender: 'system', channelType: turn.channelType, timestamp: ts, requestId: turn.requestId }, { ...base, kind: 'error', summary: `handler error: ${error}`, detail: { requestId: turn.requestId, channelType: turn.channelType, channelName: turn.channelName } });
    }
    const durable = this.flushTurn(turn);
    turn.finish(error, durable);
    void turn.finished.then(() => {
      this.turns.delete(turn.requestId);
      const list = this.sessionTurns.get(turn.sessionId);
      if (list) {
        const i = list.indexOf(turn);
        if (i >= 0) list.splice(i, 1);
        if (!list.length) this.sessionTurns.delete(turn.sessionId);
      }
    });
    for (const l of this.outboundListeners) {
      try {
        l({ kind: 'done', requestId: turn.requestId, ...(error ? { error } : {}) }, { app: turn.app, sessionId: turn.sessionId, channelType: turn.channelType, inTurn: true });
      } catch {
        // See outbound().
      }
    }
  }

  /** Delay after which a still-running turn writes what it has so far. */
  journalDelayMs = 100;

  private journal(turn: TurnState, item: HistoryItem | undefined, event: NewHubEvent): void {
    // Cut here already (appendHistory cuts too), so that the app sees the history as stored.
    if (item && item.text.length > LIMITS.storedTextChars) item = { ...item, text: clipText(item.text, LIMITS.storedTextChars) };
    if (item) turn.journal.items.push(item);
    turn.journal.events.push(event);
    if (!turn.journal.timer) {
      turn.journal.timer = setTimeout(() => void this.flushTurn(turn).catch(() => undefined), this.journalDelayMs);
      turn.journal.timer.unref();
    }
  }

  /** Writes the turn's journal (one store update); resolves when it is durable. */
  flushTurn(turn: TurnState): Promise<void> {
    const j = turn.journal;
    if (j.timer) clearTimeout(j.timer);
    j.timer = undefined;
    if (!j.session && !j.items.length && !j.events.length) return Promise.resolve();
    const session = j.session;
    const items = j.items.splice(0);
    const events = j.events.splice(0);
    j.session = undefined;
    const stored: StoredEvent[] = [];
    const write = this.store.update((d) => {
      stored.length = 0;
      if (session) ensureSession(d, session);
      for (const item of items) appendHistory(d, turn.sessionId, item);
      for (const e of events) stored.push(this.events.pushIn(d, e));
    });
    for (const e of stored) this.events.notify(e);
    turn.writes.push(write);
    return write;
  }

  /**
   * The session as the app should see it: the stored one (or the new one an open turn has not
   * written yet) with the open turns' unwritten history appended.
   */
  sessionView(sessionId: string): StoredSession | undefined {
    const base = this.sessionHead(sessionId);
    if (!base) return undefined;
    const pending = this.pendingHistory(sessionId);
    return pending.length ? { ...base, history: [...base.history, ...pending] } : base;
  }

  /**
   * The session's fields (user, channel, data) without copying anything: the stored session, or
   * the new one an open turn has not written yet. Its `history` lacks the open turns' items.
   */
  sessionHead(sessionId: string): StoredSession | undefined {
    const stored = this.store.read().sessions[sessionId];
    if (stored) return stored;
    const init = this.sessionTurns.get(sessionId)?.find((t) => t.journal.session)?.journal.session;
    return init ? { ...init, updatedAt: init.createdAt, history: [], dataJson: '{}' } : undefined;
  }

  private pendingHistory(sessionId: string): HistoryItem[] {
    const open = this.sessionTurns.get(sessionId);
    if (!open) return [];
    let pending: HistoryItem[] = [];
    for (const t of open) if (t.journal.items.length) pending = pending.length ? pending.concat(t.journal.items) : t.journal.items;
    return pending;
  }

  /** The session's history from index `from` on, open turns' unwritten items included. */
  private historyFrom(base: StoredSession, pending: HistoryItem[], from: number): HistoryItem[] {
    const stored = base.history.length;
    if (from >= stored) return from > stored ? pending.slice(from - stored) : pending;
    const fromStored = base.history.slice(from);
    return pending.length ? fromStored.concat(pending) : fromStored;
  }

  /**
   * The `GetSession` answer of the runner protocol (also sent along with each inbound message):
   * the last `historyCount` history items, or, given what a runner already holds of this session
   * (`held`), only the items after it (`history_delta`).
   */
  async sessionSnapshot(sessionId: string, historyCount = HISTORY_COUNT, held?: HistoryHeld) {
    const first = this.sessionHead(sessionId);
    if (!first) return undefined;
    // Only a user with stored connections can have one to refresh.
    if (this.refreshIntegrations && this.read().integrations[first.userId]) await this.refreshIntegrations(first.userId).catch(() => undefined);
    const s = this.sessionHead(sessionId) ?? first;
    const d = this.read();
    const persona = d.personas.find((p) => p.id === s.userId);
    const pending = this.pendingHistory(sessionId);
    const total = s.history.length + pending.length;
    const tailFrom = Math.max(0, total - historyCount);
    // A delta only when it is shorter than the tail and the runner's copy is of this session (a
    // session deleted and created again under the same id has another creation time).
    const delta = !!held && held.createdAt === s.createdAt && held.length <= total && held.length > tailFrom;
    const items = this.historyFrom(s, pending, delta ? held!.length : tailFrom);
    return {
      user_id: s.userId,
      user_email: persona?.email ?? '',
      org_id: persona?.orgId ?? '',
      owner_id: persona?.orgId ? `org:${persona.orgId}` : s.userId,
      channel_type: s.channelType,
      data_json: s.dataJson,
      created_at: s.createdAt,
      history: items.map((h) => ({ text: h.text, sender: h.sender, channel_type: h.channelType, timestamp: h.timestamp, ...(h.blockJson ? { block_json: h.blockJson } : {}) })),
      history_length: total,
      ...(delta ? { history_delta: true } : {}),
      integrations: Object.values(d.integrations[s.userId] ?? {}).map(toWire),
    };
  }

  /** Makes the session's open turns visible in the store (before something reads it there). */
  flushSession(sessionId: string): void {
    for (const t of this.sessionTurns.get(sessionId) ?? []) void this.flushTurn(t).catch(() => undefined);
  }

  inflight(runner: RunnerProcess): number {
    let n = 0;
    for (const t of this.turns.values()) if (t.runner === runner && !t.finishing) n++;
    return n + (this.runnerPrompts.get(runner)?.size ?? 0);
  }

  runnerGone(runner: RunnerProcess, reason: string): void {
    for (const stream of ['stdout', 'stderr']) {
      this.logRecords.flush(`${runner.token} ${stream}`);
      this.logKeys.delete(`${runner.token} ${stream}`);
    }
    for (const t of [...this.turns.values()]) if (t.runner === runner) this.endTurn(t, reason);
    const held = this.runnerPrompts.get(runner);
    if (held) for (const cancel of [...held]) cancel();
    this.runnerPrompts.delete(runner);
  }

  /** Stores an accepted credential for the prompt's user (durably). */
  private async saveCredential(p: PendingPrompt, c: StoredIntegration): Promise<void> {
    const clean = { ...c };
    if (clean.refreshToken === undefined) delete clean.refreshToken;
    if (clean.account === undefined) delete clean.account;
    await this.store.update((d) => {
      d.integrations[p.userId] ??= dict();
      d.integrations[p.userId]![p.type] = clean;
    });
  }

  /** The end user an app call names: a persona id, an email or a channel-scoped id. */
  userIdFrom(d: StoreData, userId: unknown, email: unknown): string {
    const id = typeof userId === 'string' ? userId : '';
    if (id && (d.integrations[id] || d.personas.some((p) => p.id === id))) return id;
    const byEmail = typeof email === 'string' && email ? findPersona(d, email) : undefined;
    if (byEmail) return byEmail.id;
    const byId = id ? findPersona(d, id) : undefined;
    return byId?.id ?? id;
  }

  /** Listeners for the app's output lines (the serve console prints them). */
  readonly logListeners = new Set<(app: string, stream: 'stdout' | 'stderr', line: string) => void>();

  /** One line of the app's output: scrubbed of secret values, into the event log and to listeners. */
  logLine(app: string, runner: RunnerProcess, stream: 'stdout' | 'stderr', line: string): void {
    // Scrubbed before it is clipped: a value cut in two would no longer match.
    const clean = clipText(this.scrubber.text(line), LIMITS.eventTextChars);
    this.logKeys.set(`${runner.token} ${stream}`, { app, stream, version: runner.version });
    this.logRecords.line(`${runner.token} ${stream}`, clean);
    for (const l of this.logListeners) {
      try {
        l(app, stream, clean);
      } catch {
        // The console is gone; nothing to do.
      }
    }
  }

  /** Each output stream's app and runner version, for its records' events. */
  private readonly logKeys = new Map<string, { app: string; stream: string; version: number }>();
  /** The app's output lines grouped into records (a traceback is one event with its lines). */
  private readonly logRecords = new LogRecords((key, lines) => {
    const at = this.logKeys.get(key);
    if (!at) return;
    const detail: Record<string, unknown> = { stream: at.stream, version: at.version };
    if (lines.length > 1) detail.lines = lines;
    this.events.emit({ kind: 'log', app: at.app, summary: recordSummary(lines), detail });
  });

  private readonly closers: Array<() => Promise<void> | void> = [];

  /** Runs when the hub closes, after its turns and prompts are ended (e.g. the gRPC server). */
  onClose(closer: () => Promise<void> | void): void {
    this.closers.push(closer);
  }

  async close(): Promise<void> {
    this.prompts.cancelAll('the emulator is shutting down');
    this.asks.cancelAll('the emulator is shutting down');
    for (const t of [...this.turns.values()]) this.endTurn(t, 'the emulator is shutting down');
    for (const l of [...this.links]) l.close('the emulator is shutting down');
    for (const c of this.closers.splice(0).reverse()) await c();
    this.logRecords.flush();
    this.events.flushRepeats();
    this.dataChanges.close();
    this.clock.dispose();
  }
}

function clip(text: string): string {
  return text.length > 200 ? text.slice(0, 200) + '…' : text;
}

function summaryOf(e: OutboundEvent): string {
  switch (e.kind) {
    case 'reply':
    case 'delta':
      return clip(e.text);
    case 'notify':
      return clip(e.text || e.detail || '');
    case 'block':
      return `block ${e.block.type}`;
    case 'done':
      return e.error ? `done with error: ${e.error}` : 'done';
  }
}
