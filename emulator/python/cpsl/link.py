"""The runner link (PROTOCOL.md, "Runner link"): one persistent connection to the emulator that
carries inbound messages and this process's RPCs as newline-delimited JSON frames.

Everything runs on the app's asyncio loop (a buffered protocol, no threads): inbound messages go
straight from the read to `Runtime.accept_inbound`, and `RpcClient.acall` sends its calls here
while the link is up.
"""
import asyncio
import json
import threading

from .rpc import GatewayError, GatewayUnreachable, unreachable_message
from .logs import say as _log

PATH = "/_runner/link"
PROTOCOL = "capsule-runner-link/1"
# Casts whose failure can still be told by name; an answer to an older one is logged without it.
MAX_CASTS_REMEMBERED = 1024
MAX_FRAME = 16 * 1024 * 1024
READ_SIZE = 256 * 1024
# Writes beyond this much unsent data wait for the socket to drain.
HIGH_WATER = 1024 * 1024


class LinkRefused(Exception):
    """The emulator answered the upgrade with something other than 101."""

    def __init__(self, status, reason):
        super().__init__(f"the emulator refused the runner link ({status}): {reason}")
        self.status = status


_encode = json.JSONEncoder(separators=(",", ":")).encode  # one encoder for every frame


def _dumps(obj):
    return (_encode(obj) + "\n").encode("utf-8")


async def open_link(client, on_inbound, timeout=5.0):
    """Connects and upgrades; returns a running RunnerLink. Raises LinkRefused or OSError."""
    loop = asyncio.get_running_loop()
    transport, proto = await asyncio.wait_for(
        loop.create_connection(_LinkProtocol, client._host, client._port), timeout)
    try:
        host = f"{client._host}:{client._port}"
        transport.write((
            f"GET {PATH} HTTP/1.1\r\nHost: {host}\r\nConnection: Upgrade\r\nUpgrade: {PROTOCOL}\r\n"
            f"Authorization: Bearer {client.token}\r\nContent-Length: 0\r\n\r\n"
        ).encode("latin-1"))
        head = await asyncio.wait_for(proto.read_until(b"\r\n\r\n"), timeout)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        if status != 101:
            headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:] if l)}
            reason = parts[2] if len(parts) > 2 else "no reason given"
            try:
                n = int(headers.get("content-length") or 0)
                if 0 < n <= 65536:
                    body = json.loads(await asyncio.wait_for(proto.read_exactly(n), timeout))
                    reason = body.get("error") or reason
            except (ValueError, OSError, asyncio.TimeoutError, AttributeError):
                pass
            raise LinkRefused(status, reason)
    except BaseException:
        transport.close()
        raise
    link = RunnerLink(client, transport, proto, on_inbound)
    proto.attach(link)
    return link


class _LinkProtocol(asyncio.BufferedProtocol):
    """The connection under a link: the handshake's bytes until the link is attached, then every
    read handed to the link. Reads land in one buffer kept for the connection's life (no buffer
    is allocated per read)."""

    def __init__(self):
        self._view = memoryview(bytearray(READ_SIZE))
        self._early = bytearray()  # read before the link is attached (the handshake's answer)
        self._arrived = None  # a future while the handshake waits for more bytes
        self._link = None
        self._lost_why = None
        self._drained = None  # a future while writing is paused
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def get_buffer(self, sizehint):
        return self._view

    def buffer_updated(self, nbytes):
        data = bytes(self._view[:nbytes])
        if self._link is not None:
            self._link._data(data)
            return
        self._early += data
        self._wake()

    def eof_received(self):
        return False  # close: the other side ended the link

    def connection_lost(self, exc):
        self._lost_why = f"the runner link broke: {exc}" if exc else "the runner link closed"
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        if self._link is not None:
            self._link._lost(self._lost_why)
        self._wake()

    def pause_writing(self):
        if self._drained is None or self._drained.done():
            self._drained = asyncio.get_running_loop().create_future()

    def resume_writing(self):
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    async def drained(self):
        if self._drained is not None and not self._drained.done():
            await self._drained
        if self._lost_why is not None:
            raise ConnectionResetError(self._lost_why)

    # -- the handshake -----------------------------------------------------------------------

    def _wake(self):
        if self._arrived is not None and not self._arrived.done():
            self._arrived.set_result(None)

    async def _more(self):
        if self._lost_why is not None:
            raise ConnectionResetError(self._lost_why)
        self._arrived = asyncio.get_running_loop().create_future()
        await self._arrived

    async def read_until(self, marker):
        while True:
            i = self._early.find(marker)
            if i >= 0:
                head = bytes(self._early[:i + len(marker)])
                del self._early[:i + len(marker)]
                return head
            if len(self._early) > 65536:
                raise ValueError("the emulator's answer to the link upgrade is too long")
            await self._more()

    async def read_exactly(self, n):
        while len(self._early) < n:
            await self._more()
        data = bytes(self._early[:n])
        del self._early[:n]
        return data

    def attach(self, link):
        """From now on reads go to the link, starting with what came after the handshake."""
        self._link = link
        early, self._early = bytes(self._early), bytearray()
        if early:
            link._data(early)
        if self._lost_why is not None:
            link._lost(self._lost_why)


class RunnerLink:
    def __init__(self, client, transport, protocol, on_inbound):
        self._client = client
        self._transport = transport
        self._protocol = protocol
        self._on_inbound = on_inbound
        self.loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._pending = {}  # id -> (future, method)
        self._casts = {}  # id -> method, of the latest casts (only a failure is answered)
        self._next_id = 0
        self.closed = False
        self._closing_on_purpose = False
        self.on_lost = None  # called once when the link breaks (not when closed on purpose)
        self.lost = self.loop.create_future()
        # Frames written during one turn of the event loop leave in one write: a handler's last
        # reply and the end of its turn usually reach the emulator together.
        self._out = []
        self._flush_scheduled = False
        # A frame split across reads, and whether the rest of an oversized one is being skipped.
        self._parts = []
        self._part_bytes = 0
        self._skipping = False

    def _write(self, data):
        self._out.append(data)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.loop.call_soon(self._flush)

    def flush_if_on_loop(self):
        """Sends buffered frames now, when called on the link's own loop (a blocking call is next)."""
        if self._out and self.usable():
            self._flush()

    def _flush(self):
        self._flush_scheduled = False
        out, self._out = self._out, []
        if not out:
            return
        if self.closed or self._transport.is_closing():
            # The connection went away since these frames were written: the transport would drop
            # them without a word. They go over HTTP instead, in order.
            self._over_http(out)
            return
        self._transport.write(b"".join(out))

    def _over_http(self, frames):
        jobs = []
        for raw in frames:
            try:
                f = json.loads(raw)
            except ValueError:
                continue
            if f.get("t") not in ("call", "cast"):
                continue  # an error frame about the emulator's frames: nobody left to tell
            entry = self._pending.pop(f.get("id"), None) if f["t"] == "call" else None
            jobs.append((f.get("method", ""), f.get("body") or {}, entry[0] if entry else None))
        loop = self.loop

        def settle(fut, result, error):
            if not fut.done():
                if error is not None:
                    fut.set_exception(error)
                else:
                    fut.set_result(result if isinstance(result, dict) else {})

        def send_all():  # one thread, so that the frames keep their order
            for method, body, fut in jobs:
                try:
                    result, error = self._client.call(method, body), None
                except Exception as e:
                    result, error = None, e
                    if fut is None:
                        _log(f"{method} could not be sent after the runner link closed: {e}")
                if fut is not None and not loop.is_closed():
                    loop.call_soon_threadsafe(settle, fut, result, error)

        threading.Thread(target=send_all, name="cpsl-link-handoff", daemon=True).start()

    def usable(self):
        """Whether the caller runs on the link's loop (else it must not write to the link)."""
        # The loop's thread while it runs, rather than asking for the running loop: that costs a
        # system call per ask on 3.11, and a message asks several times.
        return (not self.closed and threading.get_ident() == self._thread and self.loop.is_running()
                and not self._transport.is_closing())

    # -- calls -------------------------------------------------------------------------------

    def _send(self, kind, method, body):
        """Writes one call or cast frame; returns its id."""
        if self.closed:
            raise GatewayUnreachable(unreachable_message(self._client.url, method, "the runner link is closed"))
        self._next_id += 1
        cid = self._next_id
        data = _dumps({"t": kind, "id": cid, "method": method, "body": body or {}})
        if len(data) > MAX_FRAME:
            raise GatewayError(f"{method} failed (413): request body too large: the limit is {MAX_FRAME // 1024} KiB")
        self._write(data)
        if method == "SubmitResult" and isinstance(body, dict) and body.get("done") and not body.get("block_json"):
            # The end of a turn: nothing of this turn is left to join the write, so it leaves now.
            self._flush()
        return cid

    def cast(self, method, body=None):
        """Writes one call whose success is not answered (PROTOCOL.md, "cast"); a failure is
        answered and logged here. For the replies and the end of a turn: nothing waits on them."""
        cid = self._send("cast", method, body)
        self._casts[cid] = method
        if len(self._casts) > MAX_CASTS_REMEMBERED:
            del self._casts[next(iter(self._casts))]

    def post(self, method, body=None, timeout=30.0):
        """Writes one call and returns the future of its answer (without waiting for it)."""
        cid = self._send("call", method, body)
        fut = self.loop.create_future()
        self._pending[cid] = (fut, method)
        timer = self.loop.call_later(timeout, self._timed_out, cid) if timeout else None

        def settled(_f):
            self._pending.pop(cid, None)
            if timer is not None:
                timer.cancel()

        fut.add_done_callback(settled)
        return fut

    def backed_up(self):
        return self._transport.get_write_buffer_size() > HIGH_WATER

    async def drain(self, method):
        """Waits while much written data is still unsent (a slow reader must not fill memory)."""
        if self._transport.get_write_buffer_size() > HIGH_WATER:
            try:
                await self._protocol.drained()
            except ConnectionError as e:
                raise GatewayUnreachable(unreachable_message(self._client.url, method, e)) from None

    async def call(self, method, body=None, timeout=30.0):
        fut = self.post(method, body, timeout)
        await self.drain(method)
        return await fut

    def _timed_out(self, cid):
        entry = self._pending.pop(cid, None)
        if entry and not entry[0].done():
            entry[0].set_exception(GatewayUnreachable(unreachable_message(self._client.url, entry[1], "timed out")))

    def send_frame(self, frame):
        if not self.closed:
            self._write(_dumps(frame))

    # -- reading -----------------------------------------------------------------------------

    def _data(self, chunk):
        """Bytes from the emulator: complete lines are frames."""
        start = 0
        while not self.closed:
            nl = chunk.find(b"\n", start)
            if nl < 0:
                break
            piece = chunk[start:nl]
            start = nl + 1
            if self._skipping:
                self._skipping = False
                continue
            if self._parts:
                self._parts.append(piece)
                piece = b"".join(self._parts)
                self._parts, self._part_bytes = [], 0
            if len(piece) > MAX_FRAME:
                self._too_large(piece[:4096])
            else:
                self._frame(piece)
        if start < len(chunk) and not self._skipping and not self.closed:
            rest = chunk[start:]
            self._parts.append(rest)
            self._part_bytes += len(rest)
            if self._part_bytes > MAX_FRAME:
                self._too_large(self._parts[0][:4096])
                self._parts, self._part_bytes, self._skipping = [], 0, True

    def _too_large(self, head):
        text = head.decode("utf-8", "replace")
        self._complain(f"a frame from the emulator exceeds {MAX_FRAME // (1024 * 1024)} MiB")
        # A result too large to read still ends its call.
        marker = '"id":'
        i = text.find(marker)
        if '"t":"result"' in text and i >= 0:
            digits = ""
            for ch in text[i + len(marker):].lstrip():
                if not ch.isdigit():
                    break
                digits += ch
            entry = self._pending.pop(int(digits), None) if digits else None
            if entry and not entry[0].done():
                entry[0].set_exception(GatewayError(f"{entry[1]} failed: the answer exceeds {MAX_FRAME // (1024 * 1024)} MiB"))

    def _frame(self, raw):
        if not raw or raw.isspace():  # an empty line (no copy of a whole frame to find out)
            return
        try:
            frame = json.loads(raw)
        except ValueError:
            return self._complain(f"malformed frame from the emulator: not valid JSON ({len(raw)} bytes)")
        if not isinstance(frame, dict):
            return self._complain("malformed frame from the emulator: not a JSON object")
        t = frame.get("t")
        if t == "inbound":
            message = frame.get("message")
            if not isinstance(message, dict):
                return self._complain("malformed inbound frame: \"message\" is not a JSON object")
            try:
                self._on_inbound(message)
            except Exception as e:  # a bug here must not stop the link
                _log(f"could not start handling an inbound message: {type(e).__name__}: {e}")
            return
        if t == "result":
            cid = frame.get("id")
            entry = self._pending.pop(cid, None) if isinstance(cid, int) else None
            if entry is None:
                method = self._casts.pop(cid, None) if isinstance(cid, int) else None
                if method is not None and ("status" in frame or "error" in frame):
                    _log(f"the emulator refused {method} ({frame.get('status', 500)}): {frame.get('error') or 'no reason given'}")
                return  # a cast's failure (logged), or a call whose caller gave up
            fut, method = entry
            if fut.done():
                return
            if "status" in frame or "error" in frame:
                fut.set_exception(GatewayError(
                    f"{method} failed ({frame.get('status', 500)}): {frame.get('error') or 'no reason given'}"))
            else:
                result = frame.get("result")
                fut.set_result(result if isinstance(result, dict) else {})
            return
        if t == "error":
            _log(f"the emulator could not use a frame of this runner: {frame.get('error') or 'no reason given'}")
            return
        self._complain(f"unknown frame type from the emulator: {str(t)[:40]!r}")

    def _complain(self, reason):
        _log(reason)
        try:
            self.send_frame({"t": "error", "error": reason})
        except Exception:
            pass

    # -- closing -----------------------------------------------------------------------------

    def _lost(self, why):
        if self.closed:
            return
        self.closed = True
        pending, self._pending = self._pending, {}
        for fut, method in pending.values():
            if not fut.done():
                fut.set_exception(GatewayUnreachable(unreachable_message(self._client.url, method, why)))
        if self._client.link is self:
            self._client.link = None
        try:
            self._transport.close()
        except Exception:
            pass
        if not self.lost.done():
            self.lost.set_result(why)
        if not self._closing_on_purpose and self.on_lost is not None:
            self.on_lost(why)

    def close(self):
        """Closes the link on purpose (the runner is stopping)."""
        self._closing_on_purpose = True
        self._flush()
        self._lost("the runner is stopping")
