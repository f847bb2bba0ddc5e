"""Calls from the app process into the emulator, JSON in and out.

Two transports, one answer: `acall` (from coroutines) sends a frame over the runner link
(link.py) when it is up; otherwise, and always for the blocking `call` (sync code, possibly on
the loop's own thread, where waiting for the link would deadlock it), `POST
<gateway>/_runner/rpc/<Method>`. HTTP calls from coroutines run in worker threads so the event
loop keeps serving other sessions; each thread keeps one persistent connection.
"""
import asyncio
import concurrent.futures
import http.client
import json
import os
import threading
import urllib.parse


class GatewayError(RuntimeError):
    """The emulator answered an RPC with an error."""


class GatewayUnreachable(GatewayError):
    """The emulator could not be reached at all."""


def unreachable_message(url, method, why):
    return (f"the Capsule Local emulator is not reachable at {url} ({method}: {why}); "
            "is `capsule-local serve` still running?")


def gateway_url():
    url = os.environ.get("CAPSULE_GATEWAY_URL")
    if url:
        return url.rstrip("/")
    host = os.environ.get("CAPSULE_GATEWAY_HOST", "localhost:1980")
    return "http://" + host


class RpcClient:
    def __init__(self, url=None, token=None):
        self.url = (url or gateway_url()).rstrip("/")
        self.token = token if token is not None else os.environ.get("CAPSULE_RUNNER_TOKEN", "")
        parsed = urllib.parse.urlsplit(self.url)
        self._host = parsed.hostname or "127.0.0.1"
        self._port = parsed.port or 80
        self._local = threading.local()
        # The runner link (link.py) while it is up; set and cleared by the runner.
        self.link = None
        # Own pool: WaitForIntegration holds a thread for the whole prompt, and a few waiting
        # users must not starve replies (nor the app's own asyncio.to_thread work).
        workers = int(os.environ.get("CAPSULE_RPC_WORKERS") or 0) or 64
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cpsl-rpc")

    def _conn(self, timeout):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
            self._local.conn = conn
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn

    def _drop(self):
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
        self._local.conn = None

    def call(self, method, body=None, timeout=30.0):
        """Blocking call; returns the decoded JSON answer or raises GatewayError."""
        link = self.link
        if link is not None:
            # Replies written over the link in this turn of the loop leave first, in order.
            link.flush_if_on_loop()
        payload = json.dumps(body or {}).encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {self.token}",
            "Connection": "keep-alive",
        }
        path = f"/_runner/rpc/{method}"
        for attempt in (1, 2):
            conn = self._conn(timeout)
            try:
                conn.request("POST", path, body=payload, headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
                status = resp.status
                if resp.getheader("Connection", "").lower() == "close":
                    self._drop()
                break
            except (ConnectionError, http.client.RemoteDisconnected, http.client.CannotSendRequest,
                    http.client.BadStatusLine) as e:
                # A kept-alive connection the emulator closed meanwhile: one fresh retry.
                self._drop()
                if attempt == 2:
                    raise GatewayUnreachable(unreachable_message(self.url, method, e)) from None
            except OSError as e:
                self._drop()
                raise GatewayUnreachable(unreachable_message(self.url, method, e)) from None
        try:
            answer = json.loads(raw.decode("utf-8") or "{}")
        except ValueError:
            answer = {"error": raw.decode("utf-8", "replace")[:200]}
        if status >= 300:
            why = answer.get("error") if isinstance(answer, dict) else None
            raise GatewayError(f"{method} failed ({status}): {why or 'no reason given'}")
        return answer

    def linked(self):
        """Whether calls from this coroutine travel over the runner link."""
        link = self.link
        return link is not None and link.usable()

    async def acast(self, method, body=None, timeout=30.0):
        """Over the link: writes the call without asking for its answer (a failure is logged).
        Without a link: makes the call."""
        link = self.link
        if link is not None and link.usable():
            link.cast(method, body)
            if link.backed_up():
                await link.drain(method)
            return
        await self.acall(method, body, timeout)

    async def acall(self, method, body=None, timeout=30.0):
        link = self.link
        if link is not None and link.usable():
            return await link.call(method, body, timeout)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, self.call, method, body, timeout)


_client = None


def client():
    return _client


def set_client(c):
    global _client
    _client = c
