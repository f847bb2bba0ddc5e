"""What the runner does with each call of the emulator: run message handlers (one at a time per
session), answer data and endpoint requests, and run the lifecycle hooks."""
import asyncio
import inspect
import json
import re
import sys
import threading
import time
import traceback

from . import session as session_mod
from .binding import data_kwargs, endpoint_args, message_args, takes_args
from .channels import SessionChannel
from .context import Attachment, Message, Request, RequestContext, UserInfo, org_id_from_owner_id
from .history_cache import HISTORY_COUNT, HistoryCache
from .integrations import integrations_from_wire
from .session import Session
from .errors import NotAvailableLocally

# Request ids of the latest messages taken, so that one sent again is not handled twice.
MAX_REQUESTS_REMEMBERED = 10_000


async def _call(fn, *args, **kwargs):
    result = fn(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


def merge_history(items, current_text):
    """History as the SDK's runner builds it: consecutive items of one sender merged, and the
    message being handled removed from the tail."""
    merged = []
    for h in items or []:
        sender = h.get("sender", "user")
        text = h.get("text", "") or ""
        if merged and merged[-1].sender == sender and sender in ("user", "app"):
            merged[-1].text = f"{merged[-1].text}\n{text}" if merged[-1].text else text
            continue
        merged.append(Message(text=text, sender=sender, channel_type=h.get("channel_type", "chat"),
                              timestamp=h.get("timestamp", 0) or 0, attachments=None))
    if merged and merged[-1].sender == "user" and current_text:
        last = merged[-1]
        if last.text == current_text:
            merged.pop()
        elif last.text.endswith("\n" + current_text):
            last.text = last.text[: -len(current_text) - 1]
    return merged


_SESSION, _MESSAGE = object(), object()
_arg_plans = {}


def _handler_args(fn, session, message):
    """message_args, worked out once per handler (the signature does not change)."""
    try:
        plan = _arg_plans.get(fn)
    except TypeError:  # an unhashable callable
        return message_args(fn, session, message)
    if plan is None:
        try:
            plan = tuple(a is _SESSION for a in message_args(fn, _SESSION, _MESSAGE))
        except TypeError as e:
            plan = str(e)
        _arg_plans[fn] = plan
    if isinstance(plan, str):
        raise TypeError(plan)
    return [session if is_session else message for is_session in plan]


def _user_from(user_id, email, org_id, owner_id):
    if not org_id:
        org_id = org_id_from_owner_id(owner_id)
    return UserInfo(id=user_id or "", email=email or None, org_id=org_id or None)


class Runtime:
    def __init__(self, app, rpc, app_id=""):
        self.app = app
        self.rpc = rpc
        self.app_id = app_id
        self._locks = {}
        self._finished = {}  # session id -> turns finished in this process
        self._history = HistoryCache()
        self._accepted = {}  # request id -> None, oldest first
        self._entered = {}
        self._tasks = set()
        self._stop = None
        self._event_loop = None

    def _loop(self):
        """The running loop, remembered with its thread: asking for it costs a system call on 3.11."""
        kept = self._event_loop
        if kept is not None and kept[1] == threading.get_ident() and kept[0].is_running():
            return kept[0]
        loop = asyncio.get_running_loop()
        self._event_loop = (loop, threading.get_ident())
        return loop

    def config(self):
        return self.app._cpsl_config

    # -- lifecycle ---------------------------------------------------------------------------

    async def boot(self):
        self._stop = asyncio.Event()
        for fn in self.app._boot:
            await _call(fn)

    @property
    def stopping(self):
        return self._stop is not None and self._stop.is_set()

    def request_stop(self):
        if self._stop is not None:
            self._stop.set()

    async def wait_stopped(self):
        await self._stop.wait()

    async def shutdown(self, grace=1.0):
        # The emulator escalates to SIGTERM after about two seconds: handlers still running
        # after a short grace (e.g. waiting on a prompt) are cancelled so the hooks still run.
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            _done, still = await asyncio.wait(pending, timeout=grace)
            for t in still:
                t.cancel()
            if still:
                await asyncio.wait(still, timeout=grace)
        for session in list(self._entered.values()):
            for fn in self.app._exit:
                await self._safe_hook(fn, session)
        for fn in self.app._shutdown:
            await self._safe_hook(fn)

    async def _safe_hook(self, fn, *args):
        try:
            await _call(fn, *(args if takes_args(fn) else ()))
        except Exception:
            traceback.print_exc()

    # -- messages ----------------------------------------------------------------------------

    def accept_inbound(self, message):
        # The emulator sends a message again when the link it went over closed before its turn
        # ended (PROTOCOL.md, "When the link closes"): one that did arrive is not handled twice.
        rid = message.get("request_id")
        if isinstance(rid, str) and rid:
            accepted = self._accepted
            if rid in accepted:
                return
            accepted[rid] = None
            if len(accepted) > MAX_REQUESTS_REMEMBERED:
                del accepted[next(iter(accepted))]
        # The snapshot sent along with a message is as old as its delivery: if another turn of
        # the same session finishes before this one starts, it is stale and GetSession is asked.
        sid = str(message.get("session_id") or "")
        message["_turns_seen"] = self._finished.get(sid, 0)
        # Joined now, in the order the messages came: the cache is of the latest one.
        snap = message.get("session")
        if isinstance(snap, dict):
            history = self._history.resolve(sid, snap)
            if history is None:
                message["session"] = None  # a delta this process cannot join: GetSession instead
            else:
                snap["history"] = history
        task = self._loop().create_task(self.run_message(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run_message(self, msg):
        sid = str(msg.get("session_id") or "")
        lock = self._locks.get(sid)
        if lock is None:
            lock = self._locks[sid] = asyncio.Lock()
        async with lock:
            try:
                await self._run_message_locked(msg, sid)
            finally:
                self._finished[sid] = self._finished.get(sid, 0) + 1

    def _pick_handler(self, chat_name):
        handlers = self.app._message_handlers
        if chat_name:
            if chat_name not in handlers:
                named = [n for n in handlers if n]
                raise RuntimeError(
                    f"Unknown chat surface '{chat_name}'. Available named chats: {', '.join(named) or 'none'}")
            return handlers[chat_name][0]
        if None not in handlers:
            raise RuntimeError("this app has no default message handler (@app.message())")
        return handlers[None][0]

    def _fresh_snapshot(self, msg, sid):
        """The snapshot delivered with the message, unless a turn of its session finished since."""
        snap = msg.get("session")
        if isinstance(snap, dict) and msg.get("_turns_seen", 0) == self._finished.get(sid, 0):
            return snap
        return None

    async def _fetch_snapshot(self, sid):
        snap = await self.rpc.acall("GetSession", {"session_id": sid, "history_count": HISTORY_COUNT})
        history = self._history.resolve(sid, snap)
        snap["history"] = history if history is not None else []
        return snap

    def _message_session(self, msg, sid, snap):
        data = {}
        if snap.get("data_json"):
            data = json.loads(snap["data_json"]) or {}
        if not data and msg.get("initial_data_json"):
            data = json.loads(msg["initial_data_json"]) or {}
        user = _user_from(msg.get("user_id") or snap.get("user_id"), msg.get("user_email") or snap.get("user_email"),
                          msg.get("org_id") or snap.get("org_id"), msg.get("owner_id") or snap.get("owner_id"))
        channel = SessionChannel(msg.get("channel_type") or snap.get("channel_type") or "chat")
        session = Session(
            id=sid, user=user, channel=channel,
            history=lambda: merge_history(snap.get("history"), msg.get("text", "")),
            data=data, integrations=integrations_from_wire(snap.get("integrations")),
            rpc=self.rpc, app_id=self.app_id, request_id=str(msg.get("request_id") or ""),
            app=self.app, in_message_handler=True, loop=self._loop(),
        )
        if data and not snap.get("data_json"):
            session._saved_json = ""  # initial data of a new session is saved with the first turn
        return session

    async def _run_message_locked(self, msg, sid):
        request_id = str(msg.get("request_id") or "")
        session = None
        try:
            action = msg.get("action_name") or ""
            if action:
                # The gateway sends none to this runtime; a message that has one is not a chat
                # message, and running the message handler on it would look like success.
                feature = "@app.session" if action == "__session_init__" else "@app.action"
                raise NotAvailableLocally(
                    f"{feature} handlers run locally on the real SDK only; the bundled runtime "
                    f"cannot run {action!r} (install cpsl in the app's environment)")
            handler = self._pick_handler(msg.get("chat_name") or None)
            snap = self._fresh_snapshot(msg, sid)
            if snap is None:
                snap = await self._fetch_snapshot(sid)
            session = self._message_session(msg, sid, snap)
            message = Message(
                text=msg.get("text", "") or "", sender="user", channel_type=session.channel.type,
                timestamp=time.time(),
                attachments=[Attachment(name=a.get("filename", ""), content_type=a.get("content_type", ""),
                                        url=a.get("url", ""), size=int(a.get("size") or 0))
                             for a in (msg.get("attachments") or [])],
            )
            token = session_mod._current.set(session)
            try:
                if sid not in self._entered:
                    self._entered[sid] = session
                    for fn in self.app._enter:
                        await _call(fn, *((session,) if takes_args(fn) else ()))
                args = _handler_args(handler, session, message)
                if inspect.iscoroutinefunction(handler):
                    await handler(*args)
                else:
                    # A plain `def` handler may block; a worker thread keeps other sessions
                    # served (it sees the same current_session()).
                    result = await asyncio.to_thread(handler, *args)
                    if inspect.isawaitable(result):
                        await result
            finally:
                session_mod._current.reset(token)
            await session.flush_data()
            # After the replies on the same link (applied in order), or over HTTP after theirs.
            try:
                await self.rpc.acast("SubmitResult", {"request_id": request_id, "session_id": sid, "text": "",
                                                      "done": True, "block_json": ""})
            finally:
                session._in_turn = False  # replies after the turn (a background task) wait for theirs
        except Exception as e:
            print(f"cpsl: the message handler raised (session {sid}):", file=sys.stderr)
            traceback.print_exc()
            sys.stderr.flush()
            try:
                if session is not None:
                    session._in_turn = False
                    await session.flush_data()
                await self.rpc.acall("SubmitResult", {
                    "request_id": request_id, "session_id": sid, "text": f"Runner error: {e}",
                    "done": True, "block_json": "", "error": f"{type(e).__name__}: {e}",
                })
            except Exception as report_error:
                print(f"cpsl: could not report the error to the emulator: {report_error}", file=sys.stderr, flush=True)

    # -- data and endpoints ------------------------------------------------------------------

    async def _request_context(self, headers):
        h = {k.lower(): v for k, v in headers.items()}
        authenticated = h.get("x-capsule-authenticated") == "true"
        user_id = h.get("x-capsule-user-id", "")
        owner_id = h.get("x-capsule-org-id", "")
        user = _user_from(user_id, h.get("x-capsule-email"), None, owner_id) if user_id else None
        integrations = {}
        if authenticated and user is not None and self.rpc is not None:
            answer = await self.rpc.acall("GetUserIntegrations", {
                "app_id": self.app_id, "user_id": user.id, "user_email": user.email or "",
                "owner_id": user.owner_id,
            })
            integrations = integrations_from_wire(answer.get("integrations"))
        return RequestContext(user=user, integrations=integrations, authenticated=authenticated), h

    async def handle_data(self, name, query, headers):
        entry = self.app._data_sources.get(name)
        if entry is None:
            return 404, {"error": f"unknown data source '{name}'"}
        fn, access = entry
        ctx, h = await self._request_context(headers)
        if access == "authenticated" and not ctx.authenticated:
            return 401, {"error": "authentication_required"}
        try:
            def make_session():
                return Session(id=h.get("x-capsule-session-id", ""), user=ctx.user, rpc=self.rpc,
                               app_id=self.app_id, integrations=ctx.integrations, app=self.app)

            result = await _call(fn, **data_kwargs(fn, ctx, make_session, query))
            json.dumps(result)
            return 200, result
        except Exception as e:
            print(f"cpsl: data handler '{name}' raised:", file=sys.stderr)
            traceback.print_exc()
            sys.stderr.flush()
            return 500, {"error": str(e)}

    def _match_endpoint(self, method, path):
        path_methods = []
        for (m, pattern, fn, authorized) in self.app._endpoints:
            params = _match_path(pattern, path)
            if params is None:
                continue
            if m == method or (m == "GET" and method == "HEAD"):
                return fn, authorized, params, None
            path_methods.append(m)
        return None, None, None, path_methods

    async def handle_endpoint(self, method, path, query, headers, body, raw_path):
        fn, authorized, params, other = self._match_endpoint(method, path)
        if fn is None:
            if other:
                return 405, "application/json", {"error": f"{method} is not allowed on {path} (allowed: {', '.join(other)})"}
            return 404, "application/json", {"error": f"no endpoint {method} {path}"}
        ctx, _h = await self._request_context(headers)
        if authorized and not ctx.authenticated:
            return 401, "application/json", {"error": "unauthorized"}
        request = Request(method, path, query, headers, body, params)
        ctx.request = request
        try:
            result = await _call(fn, *endpoint_args(fn, ctx, request))
        except Exception as e:
            print(f"cpsl: endpoint {method} {path} raised:", file=sys.stderr)
            traceback.print_exc()
            sys.stderr.flush()
            return 500, "application/json", {"error": str(e)}
        if isinstance(result, dict):
            return 200, "application/json", result
        return 200, "text/plain; charset=utf-8", str(result)


def _match_path(pattern, path):
    """aiohttp-style `/items/{id}` matching; returns the path params or None."""
    def norm(p):
        return p.rstrip("/") or "/"

    pattern, path = norm(pattern), norm(path)
    if "{" not in pattern:
        return {} if pattern == path else None
    regex = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(pattern)) + "$"
    m = re.match(regex, path)
    return m.groupdict() if m else None
