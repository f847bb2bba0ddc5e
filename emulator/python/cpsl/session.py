"""`cpsl.Session`: what a message handler talks back through, backed by the emulator's RPCs."""
import asyncio
import base64
import contextvars
import functools
import json
import mimetypes
import os
import sys
import threading
import uuid

from . import catalog
from .channels import SessionChannel
from .errors import IntegrationDeclined, IntegrationTimeout, not_available
from .integrations import (
    KNOWN_SECRET_INTEGRATIONS,
    MODE_OAUTH,
    MODE_SECRET,
    IntegrationConfig,
    credentials_from_wire,
    wire_type,
)

_current = contextvars.ContextVar("cpsl_current_session", default=None)

KV_SCOPES = ("session", "user", "owner", "app")
MAX_INLINE_IMAGE = 5 * 1024 * 1024


def _dual(method):
    """Lets a plain `def` message handler (run in a worker thread) call the async Session API
    directly: from a thread the call runs on the app's loop and returns its result."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        coro = method(self, *args, **kwargs)
        if threading.get_ident() == self._loop_thread:
            return coro  # the handler's own thread (asking the loop costs a system call on 3.11)
        try:
            asyncio.get_running_loop()
            return coro
        except RuntimeError:
            pass
        loop = self._loop
        if loop is not None and loop.is_running():
            return asyncio.run_coroutine_threadsafe(coro, loop).result()
        return coro

    return wrapper


def current_session():
    """The Session of the running message handler, else None."""
    return _current.get()


class SessionData(dict):
    """session.data: a dict that saves itself (SaveSessionData) when changed."""

    def __init__(self, *args, on_change=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._on_change = on_change

    def _changed(self):
        if self._on_change is not None:
            self._on_change()

    def __setitem__(self, k, v):
        super().__setitem__(k, v)
        self._changed()

    def __delitem__(self, k):
        super().__delitem__(k)
        self._changed()

    def update(self, *a, **kw):
        super().update(*a, **kw)
        self._changed()

    def pop(self, *a):
        v = super().pop(*a)
        self._changed()
        return v

    def popitem(self):
        v = super().popitem()
        self._changed()
        return v

    def clear(self):
        super().clear()
        self._changed()

    def setdefault(self, k, default=None):
        had = k in self
        v = super().setdefault(k, default)
        if not had:
            self._changed()
        return v


class ReplyStream:
    """`async with session.stream_reply() as s: await s.write(...)`.

    write() takes deltas or cumulative snapshots: text that starts with everything written so
    far is a snapshot and only its new tail is sent.
    """

    def __init__(self, session):
        self._session = session
        self._text = ""
        self._last = None

    @property
    def text(self):
        return self._text

    def write(self, text):
        text = "" if text is None else str(text)
        if self._text and text.startswith(self._text):
            delta = text[len(self._text):]
        else:
            delta = text
        self._text += delta
        session = self._session
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            # A plain `def` handler's thread: send now, on the app's loop.
            if delta and session._loop is not None:
                asyncio.run_coroutine_threadsafe(session._submit(delta, False, stream=True), session._loop).result()
            return None
        prev = self._last

        async def send():
            if prev is not None:
                await prev
            if delta:
                await session._submit(delta, False, stream=True)

        # Chained so that deltas arrive in order even when write() is not awaited.
        self._last = asyncio.ensure_future(send())
        return self._last

    async def flush(self):
        if self._last is not None:
            await self._last

    async def __aenter__(self):
        return self

    def __enter__(self):  # `with session.stream_reply() as s:` in a plain `def` handler
        return self

    def __exit__(self, *exc):
        return False

    async def __aexit__(self, *exc):
        await self.flush()
        return False


_UNAVAILABLE_METHODS = {
    "show_browser", "hide_browser", "show_table", "show_ui", "show_step",
    "show_activity", "show_suggestions", "terminal", "prompt_file", "prompt_approval",
    "chat_messages", "show_task", "publish", "emit", "trigger_action",
    "complete_onboarding",
}
_UNAVAILABLE_ATTRS = {"media", "db", "collections"}


class Session:
    def __init__(self, *, id="", user=None, channel=None, history=None, data=None, integrations=None,
                 rpc=None, app_id="", request_id="", app=None, in_message_handler=False, loop=None):
        self.id = id
        self.user = user
        self.channel = channel or SessionChannel()
        # The history is built when the handler first reads it (most handlers never do).
        self._history = None
        self._history_source = history
        self.integrations = dict(integrations or {})
        self._rpc = rpc
        self._app_id = app_id
        self._request_id = request_id
        self._app = app
        self._in_message_handler = in_message_handler
        # Inside its message handler's turn a reply does not wait for an acknowledgement (over the
        # runner link it is a cast: only a failure is answered, and logged); outside, it waits.
        self._in_turn = bool(in_message_handler and request_id)
        self._saved_json = json.dumps(data, sort_keys=True) if data else "{}"
        self._save_task = None
        self._save_lock = asyncio.Lock()
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                pass
        self._loop = loop
        # The thread the loop runs in (a Session is made on it): calls from it need no hand-over.
        self._loop_thread = threading.get_ident() if loop is not None else None
        self.data = SessionData(data or {}, on_change=self._data_changed)

    @property
    def history(self):
        if self._history is None:
            source, self._history_source = self._history_source, None
            self._history = list((source() if callable(source) else source) or [])
        return self._history

    @history.setter
    def history(self, value):
        self._history_source = None
        self._history = list(value or [])

    # -- wire helpers ------------------------------------------------------------------------

    def _need_rpc(self, what):
        if self._rpc is None:
            raise RuntimeError(f"{what} needs a connection to the Capsule Local emulator (no runner is connected)")
        return self._rpc

    async def _submit(self, text, done, **extra):
        rpc = self._need_rpc("session.reply()")
        if not self._request_id:
            raise RuntimeError("this session has no message to reply to (replies work inside a message handler)")
        body = {"request_id": self._request_id, "session_id": self.id, "text": text, "done": done, "block_json": ""}
        body.update(extra)
        if not self._in_turn:
            await rpc.acall("SubmitResult", body)
            return
        # The link applies calls in order: the end of the turn, sent later, comes after this.
        await rpc.acast("SubmitResult", body)

    async def _show_block(self, block_type, payload, block_id=None):
        block = {"id": block_id or f"blk_{uuid.uuid4().hex[:12]}", "type": block_type, "payload": payload}
        await self._submit("", True, block_json=json.dumps(block))
        return block["id"]

    # -- replies -----------------------------------------------------------------------------

    @_dual
    async def reply(self, text):
        await self._submit(str(text), False)

    @_dual
    async def notify(self, text, *, detail=""):
        rpc = self._need_rpc("session.notify()")
        await rpc.acall("NotifySession", {
            "app_id": self._app_id, "session_id": self.id, "request_id": self._request_id,
            "text": str(text), "block_json": "", "external_delivery": True, "detail": detail,
        })

    @_dual
    async def stream(self, async_iter):
        """Streams text deltas from an (async) iterator; returns the whole text."""
        async with self.stream_reply() as rs:
            if hasattr(async_iter, "__aiter__"):
                async for chunk in async_iter:
                    if chunk:
                        await rs.write(rs.text + str(chunk))
            else:
                for chunk in async_iter:
                    if chunk:
                        await rs.write(rs.text + str(chunk))
        return rs.text

    def stream_reply(self):
        if not (self._in_message_handler and self._request_id):
            raise RuntimeError("stream_reply is only available inside a message handler")
        return ReplyStream(self)

    @_dual
    async def stream_reply_from(self, stream):
        return await self.stream(stream)

    @_dual
    async def show(self, block):
        if hasattr(block, "to_dict"):
            block = block.to_dict()
        if not isinstance(block, dict) or "type" not in block:
            raise TypeError("session.show() takes a block: a dict with 'type' and 'payload', or an object with to_dict()")
        return await self._show_block(block["type"], block.get("payload", {}), block.get("id"))

    @_dual
    async def show_image(self, source, *, alt="", width=None):
        """An image block. URLs pass through; a local file travels inline as a data URL (the
        hosted runtime uploads it with UploadFile, which the emulator does not have)."""
        source = os.fspath(source)
        if source.startswith(("http://", "https://", "data:")):
            url = source
        else:
            if not os.path.isfile(source):
                raise FileNotFoundError(f"show_image: no such file: {source}")
            size = os.path.getsize(source)
            if size > MAX_INLINE_IMAGE:
                raise ValueError(f"show_image: {source} is {size} bytes; Capsule Local shows local images up to "
                                 f"{MAX_INLINE_IMAGE // (1024 * 1024)} MiB")
            content_type = mimetypes.guess_type(source)[0] or "application/octet-stream"
            with open(source, "rb") as f:
                url = f"data:{content_type};base64," + base64.b64encode(f.read()).decode("ascii")
        payload = {"url": url, "alt": alt}
        if width is not None:
            payload["width"] = width
        return await self._show_block("image", payload)

    @_dual
    async def set_title(self, title):
        await self._show_block("session_title", {"title": str(title)})

    # -- integrations ------------------------------------------------------------------------

    def get_integration(self, integration):
        return self.integrations.get(wire_type(integration))

    @_dual
    async def show_integration(self, integration_type, *, reason=""):
        await self._show_block("integration_prompt", {
            "type": wire_type(integration_type), "reason": reason, "blocking": False,
        })
        return None

    def _prompt_mode(self, t, integration):
        if isinstance(integration, IntegrationConfig):
            return integration.mode
        if t in KNOWN_SECRET_INTEGRATIONS:
            return MODE_SECRET
        # A custom secret-form integration the app declared shows its form, not an OAuth card.
        for config in getattr(self._app, "integrations", []):
            if config.type == t:
                return config.mode
        return MODE_OAUTH

    @_dual
    async def prompt_integration(self, integration, *, reason="", message=None, timeout=300.0):
        t = wire_type(integration)
        existing = self.integrations.get(t)
        if existing:
            return existing
        prompt_text = message if message is not None else reason
        if prompt_text:
            await self.reply(prompt_text)
        await self._show_block("integration_prompt", {
            "type": t,
            "reason": "" if prompt_text == reason else reason,
            "blocking": True,
            "mode": self._prompt_mode(t, integration),
        })
        if self._rpc is None:
            raise IntegrationDeclined(f"no gateway connection available to connect '{t}'")
        seconds = max(1, int(timeout))
        answer = await self._rpc.acall("WaitForIntegration", {
            "app_id": self._app_id,
            "session_id": self.id,
            "user_id": (self.user.email or self.user.id) if self.user else "",
            "integration_type": t,
            "reason": reason,
            "timeout_seconds": seconds,
        }, timeout=seconds + 60)
        if answer.get("timed_out"):
            raise IntegrationTimeout(f"Timed out after {seconds}s waiting for the user to connect '{t}'")
        if not answer.get("connected"):
            raise IntegrationDeclined(f"The user declined to connect '{t}'")
        wire = dict(answer.get("credential") or {})
        wire.setdefault("type", t)
        creds = credentials_from_wire(wire)
        self.integrations[t] = creds
        _activate(t, creds)
        return creds

    @_dual
    async def require_integration(self, integration, *, reason="", message=None, timeout=300.0):
        existing = self.get_integration(integration)
        if existing:
            return existing
        return await self.prompt_integration(integration, reason=reason, message=message, timeout=timeout)

    # -- key-value state ---------------------------------------------------------------------

    def _scope_id(self, scope):
        if scope not in KV_SCOPES:
            raise ValueError(f"scope must be one of {', '.join(KV_SCOPES)} (got {scope!r})")
        if scope == "session":
            return self.id
        if scope == "user":
            return self.user.id if self.user else ""
        if scope == "owner":
            return self.user.owner_id if self.user else ""
        return self._app_id

    @_dual
    async def get(self, key, default=None, *, scope="session"):
        scope_id = self._scope_id(scope)
        answer = await self._need_rpc("session.get()").acall(
            "KvGet", {"scope": scope, "scope_id": scope_id, "key": str(key)})
        if not answer.get("found"):
            return default
        return json.loads(answer.get("value_json") or "null")

    @_dual
    async def set(self, key, value, *, scope="session"):
        scope_id = self._scope_id(scope)
        value_json = json.dumps(value)
        await self._need_rpc("session.set()").acall(
            "KvSet", {"scope": scope, "scope_id": scope_id, "key": str(key), "value_json": value_json})

    @_dual
    async def delete(self, key, *, scope="session"):
        scope_id = self._scope_id(scope)
        await self._need_rpc("session.delete()").acall(
            "KvDelete", {"scope": scope, "scope_id": scope_id, "key": str(key)})

    # -- session data ------------------------------------------------------------------------

    def _data_changed(self):
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # changed outside the loop: saved by flush_data() after the handler
        if self._save_task is None or self._save_task.done():
            self._save_task = loop.create_task(self._save_soon())

    async def _save_soon(self):
        await asyncio.sleep(0)  # a burst of changes in one step is one save
        try:
            await self.flush_data()
        except Exception as e:  # retried by the save after the handler
            print(f"cpsl: could not save session data yet: {e}", file=sys.stderr, flush=True)

    @_dual
    async def flush_data(self):
        """Saves session.data when it differs from what was last saved (nested changes too).

        Saves run one at a time, so the save after a handler also waits for one a mutation
        started: the turn never ends before its data is stored.
        """
        if self._rpc is None or not self.id:
            return
        if not self.data and self._saved_json == "{}" and not self._save_lock.locked():
            return  # nothing to save, nothing being saved (most turns)
        async with self._save_lock:
            current = json.dumps(self.data, sort_keys=True)
            if current == self._saved_json:
                return
            await self._rpc.acall("SaveSessionData", {"session_id": self.id, "data_json": json.dumps(self.data)})
            self._saved_json = current

    # -- not emulated ------------------------------------------------------------------------

    def pipedream(self, integration):
        """Pipedream's proxy is the gateway's (PipedreamProxy of the real SDK's protocol)."""
        from .errors import real_sdk_only

        raise real_sdk_only(f"session.pipedream({wire_type(integration)!r})")

    def __getattr__(self, name):
        if name in _UNAVAILABLE_METHODS:
            def unavailable(*args, **kwargs):
                raise not_available(f"session.{name}()")
            return unavailable
        if name in _UNAVAILABLE_ATTRS:
            raise not_available(f"session.{name}")
        raise AttributeError(f"'Session' object has no attribute '{name}'")


def _activate(integration_type, creds):
    """What the hosted runtime does once a secret-form integration connects."""
    env = catalog.env_map(integration_type)
    for field_name, var in env.items():
        value = creds.fields.get(field_name)
        if value:
            os.environ[var] = value
    if env:
        print(f"cpsl: {integration_type} connected; exported {', '.join(env.values())}", file=sys.stderr, flush=True)
    elif integration_type in KNOWN_SECRET_INTEGRATIONS:
        # e.g. tailscale: the hosted runtime starts a network client; locally nothing is started.
        print(
            f"cpsl: warning: {integration_type} connected, but activating it (what the hosted runtime "
            "starts for it) is not available in Capsule Local yet; the credentials are returned unused",
            file=sys.stderr, flush=True,
        )
