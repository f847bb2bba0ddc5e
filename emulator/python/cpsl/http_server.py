"""The runner's HTTP side: what the emulator calls (inbound messages, data, endpoints, health).

Requests arrive on server threads and are handed to the one asyncio loop of the process, so app
handlers always run on the loop, as they do on the platform.
"""
import asyncio
import hmac
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 16 * 1024 * 1024
REQUEST_TIMEOUT = 300.0


class RunnerHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # The emulator keeps connections alive and may send bursts.
    request_queue_size = 128

    def __init__(self, runtime, loop, token):
        self.runtime = runtime
        self.loop = loop
        self.token = token
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cpsl-local-runner"
    # Headers and body leave in separate writes; with Nagle on, each answer on a kept-alive
    # connection would wait for the peer's delayed ACK (~40 ms).
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        # The emulator records every forwarded call itself; access lines would only be noise.
        pass

    def _send(self, status, body, content_type="application/json"):
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode("utf-8")
        elif isinstance(body, bytes):
            data = body
        else:
            data = str(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _authorized(self):
        token = self.server.token
        if not token:
            return True
        got = self.headers.get("Authorization", "")
        return hmac.compare_digest(got.encode(), f"Bearer {token}".encode())

    def _body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._chunked_body()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("request body too large")
        return self.rfile.read(length) if length else b""

    def _chunked_body(self):
        parts, total = [], 0
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise ValueError("request body too large")
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def _run(self, coro):
        fut = asyncio.run_coroutine_threadsafe(coro, self.server.loop)
        return fut.result(timeout=REQUEST_TIMEOUT)

    def _dispatch(self):
        try:
            body = self._body()
        except ValueError as e:
            self.close_connection = True
            return self._send(413, {"error": str(e)})
        if not self._authorized():
            return self._send(401, {"error": "wrong or missing runner token"})
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        runtime = self.server.runtime
        method = self.command
        try:
            if path == "/health" and method == "GET":
                return self._send(200, {"ok": True})
            if path == "/_meta" and method == "GET":
                return self._send(200, runtime.config())
            if path == "/_capsule/inbound" and method == "POST":
                try:
                    message = json.loads(body.decode("utf-8") or "{}")
                    if not isinstance(message, dict):
                        raise ValueError("not an object")
                except ValueError as e:
                    return self._send(400, {"error": f"the inbound message is not a JSON object: {e}"})
                self.server.loop.call_soon_threadsafe(runtime.accept_inbound, message)
                return self._send(202, {"accepted": True})
            if path == "/_capsule/shutdown" and method == "POST":
                self._send(200, {"ok": True})
                self.server.loop.call_soon_threadsafe(runtime.request_stop)
                return None
            headers = {k: v for k, v in self.headers.items() if k.lower() != "authorization"}
            if path.startswith("/data/") and method in ("GET", "HEAD"):
                status, answer = self._run(runtime.handle_data(path[len("/data/"):], query, headers))
                return self._send(status, answer)
            status, content_type, answer = self._run(
                runtime.handle_endpoint(method, path, query, headers, body, self.path))
            return self._send(status, answer, content_type)
        except Exception as e:  # a bug here must not take the server down
            print(f"cpsl: error while answering {method} {path}: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
            return self._send(500, {"error": f"{type(e).__name__}: {e}"})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch
