"""An in-process stand-in for the emulator's runner RPCs (PROTOCOL.md), for driving the real
runner as a subprocess. It speaks both transports: HTTP (`POST /_runner/rpc/<Method>`,
`POST /_capsule/inbound`) and, with `link=True`, the runner link (PROTOCOL.md, "Runner link")."""
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(os.path.dirname(PYTHON_DIR))
CATALOG = os.path.join(REPO, "catalog", "sdk-catalog.json")
TOKEN = "test-runner-token"


class LinkConn:
    """The gateway's end of one runner link."""

    def __init__(self, handler):
        self.handler = handler
        self.lock = threading.Lock()
        self.frames = queue.Queue()  # frames from the runner other than calls
        self.closed = threading.Event()

    def send_raw(self, data):
        with self.lock:
            try:
                self.handler.wfile.write(data)
            except OSError:
                pass  # the link closed meanwhile

    def send(self, frame):
        self.send_raw((json.dumps(frame) + "\n").encode())

    def close(self):
        try:
            self.handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class FakeGateway:
    def __init__(self, link=False):
        """link: False (HTTP only: upgrades get 501 as from an older emulator), True (accepts the
        runner link) or "refuse" (answers the upgrade with 401)."""
        self.link_mode = link
        self.link = None  # the live LinkConn
        self.links = []  # every link accepted, in order
        self.accept_links = True  # False: further upgrades get 401
        self.transports = []  # (method, "link" | "http") per call
        self.held = {}  # integration_type -> threading.Event released by the test (WaitForIntegration)
        self.calls = queue.Queue()  # (method, body) in arrival order
        self.log = []
        self.sessions = {}  # session_id -> GetSession answer
        self.kv = {}
        self.secrets = {}
        self.user_integrations = []
        # integration_type -> answer for WaitForIntegration
        self.integration_answers = {}
        self.registered = threading.Event()
        self.registration = None
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *a):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                method = self.path.rsplit("/", 1)[-1]
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._send(401, {"error": "wrong or missing runner token"})
                gateway.transports.append((method, "http"))
                status, answer = gateway.answer(method, body)
                self._send(status, answer)

            def do_GET(self):
                if self.path != "/_runner/link" or self.headers.get("Upgrade") != "capsule-runner-link/1":
                    return self._send(404, {"error": "no such route"})
                if not gateway.link_mode:
                    return self._send(501, {"error": "this gateway has no runner link"})
                ok = self.headers.get("Authorization") == f"Bearer {TOKEN}"
                if not ok or gateway.link_mode == "refuse" or not gateway.accept_links:
                    self.close_connection = True
                    return self._send(401, {"error": "wrong or missing runner token"})
                self.wfile.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: capsule-runner-link/1\r\nConnection: Upgrade\r\n\r\n")
                conn = LinkConn(self)
                gateway.link = conn
                gateway.links.append(conn)
                try:
                    while True:
                        line = self.rfile.readline()
                        if not line:
                            break
                        gateway._link_frame(conn, line)
                except OSError:
                    pass
                finally:
                    conn.closed.set()
                    if gateway.link is conn:
                        gateway.link = None
                    self.close_connection = True

            def _send(self, status, answer):
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.proc = None
        self.stderr_lines = []

    # -- the runner link ----------------------------------------------------------------------

    def _link_frame(self, conn, line):
        try:
            frame = json.loads(line)
        except ValueError:
            return conn.send({"t": "error", "status": 400, "error": "malformed frame: not valid JSON"})
        if frame.get("t") == "cast":
            # A cast is applied on arrival, in order; only a failure is answered (PROTOCOL.md).
            self.transports.append((frame["method"], "link"))
            status, answer = self.answer(frame["method"], frame.get("body") or {})
            if status >= 300:
                conn.send({"t": "result", "id": frame["id"], "status": status, "error": answer.get("error", "")})
            return None
        if frame.get("t") != "call":
            return conn.frames.put(frame)
        self.transports.append((frame["method"], "link"))

        def run():
            status, answer = self.answer(frame["method"], frame.get("body") or {})
            if status >= 300:
                conn.send({"t": "result", "id": frame["id"], "status": status, "error": answer.get("error", "")})
            else:
                conn.send({"t": "result", "id": frame["id"], "result": answer})

        # Calls are answered concurrently, like the emulator's (a held prompt blocks nothing).
        threading.Thread(target=run, daemon=True).start()

    def wait_link(self, count=1, timeout=20.0):
        """The count-th accepted link (1 = the first), once it is up."""
        deadline = time.monotonic() + timeout
        while len(self.links) < count or self.link is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"no runner link #{count} within {timeout}s\n{self.stderr()}")
            time.sleep(0.01)
        return self.links[count - 1]

    # -- RPCs --------------------------------------------------------------------------------

    def answer(self, method, body):
        self.log.append((method, body))
        self.calls.put((method, body))
        if method == "Register":
            self.registration = body
            self.registered.set()
            return 200, {"ok": True}
        if method == "GetSession":
            s = self.sessions.get(body.get("session_id"))
            if s is None:
                return 404, {"error": f"unknown session \"{body.get('session_id')}\""}
            return 200, s
        if method == "SaveSessionData":
            self.sessions.setdefault(body["session_id"], {})["data_json"] = body["data_json"]
            return 200, {"ok": True}
        if method == "GetSecret":
            name = body.get("name")
            if name in self.secrets:
                return 200, {"ok": True, "value": self.secrets[name], "err_msg": ""}
            return 200, {"ok": False, "value": "", "err_msg": "not defined locally; define it with `capsule-local secret set " + name + "`"}
        if method == "KvGet":
            k = (body["scope"], body["scope_id"], body["key"])
            return 200, ({"found": True, "value_json": self.kv[k]} if k in self.kv else {"found": False, "value_json": ""})
        if method == "KvSet":
            self.kv[(body["scope"], body["scope_id"], body["key"])] = body["value_json"]
            return 200, {"ok": True}
        if method == "KvDelete":
            self.kv.pop((body["scope"], body["scope_id"], body["key"]), None)
            return 200, {"ok": True}
        if method == "GetUserIntegrations":
            return 200, {"integrations": self.user_integrations}
        if method == "WaitForIntegration":
            held = self.held.get(body["integration_type"])
            if held is not None:
                held.wait(30)
                return 200, {"timed_out": True, "connected": False}
            a = self.integration_answers.get(body["integration_type"], {"timed_out": True, "connected": False})
            time.sleep(a.get("_delay", 0))
            return 200, {k: v for k, v in a.items() if not k.startswith("_")}
        return 200, {"ok": True}

    # -- runner process ----------------------------------------------------------------------

    def start_runner(self, entry, cwd, extra_env=None, wait=True):
        env = dict(os.environ)
        env.update({
            "PYTHONPATH": PYTHON_DIR,
            "PYTHONUNBUFFERED": "1",
            "CAPSULE_GATEWAY_URL": self.url,
            "CAPSULE_GATEWAY_HOST": self.url.replace("http://", ""),
            "CAPSULE_RUNNER_TOKEN": TOKEN,
            "CAPSULE_APP_ID": "test-app",
            "CAPSULE_USER_ID": "owner",
            "CAPSULE_VERSION_ID": "v1",
            "CAPSULE_ENV_TYPE": "serve",
            "CAPSULE_CATALOG": CATALOG,
        })
        env.update(extra_env or {})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cpsl.runner", entry], cwd=cwd, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.proc.stdout,), daemon=True).start()
        if wait:
            if not self.registered.wait(20):
                raise AssertionError("the runner did not register within 20s:\n" + self.stderr())
            if "error" in self.registration:
                raise AssertionError("the runner reported an import error: " + self.registration["error"])
        return self.proc

    def wait_ready(self, timeout=20.0):
        """Until the runner says it is ready (its Register was answered)."""
        deadline = time.monotonic() + timeout
        while "' ready on 127.0.0.1:" not in self.stderr():
            if time.monotonic() > deadline:
                raise AssertionError("the runner did not get ready:\n" + self.stderr())
            time.sleep(0.01)

    def _drain(self, stream):
        for line in stream:
            self.stderr_lines.append(line)

    def stderr(self):
        return "".join(self.stderr_lines)

    @property
    def runner_url(self):
        return f"http://127.0.0.1:{self.registration['port']}"

    def request(self, method, path, body=None, headers=None, token=TOKEN):
        h = {"Content-Type": "application/json"}
        if token:
            h["Authorization"] = f"Bearer {token}"
        h.update(headers or {})
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.runner_url + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=20) as r:
                return r.status, r.headers.get("Content-Type", ""), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read().decode()

    def wait_for(self, method, pred=lambda b: True, timeout=20.0):
        """The next call of `method` matching pred (earlier non-matching calls are dropped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {method} call within {timeout}s; calls: {[m for m, _ in self.log]}\n{self.stderr()}")
            try:
                m, body = self.calls.get(timeout=left)
            except queue.Empty:
                continue
            if m == method and pred(body):
                return body

    def turn(self, session_id, text, request_id, user_id="u1", timeout=20.0, **extra):
        """Sends one message and collects the runner's calls up to the final SubmitResult."""
        msg = {"request_id": request_id, "session_id": session_id, "user_id": user_id,
               "user_email": f"{user_id}@example.com", "org_id": "", "owner_id": user_id,
               "channel_type": "chat", "text": text, "attachments": [], "chat_name": "",
               "initial_data_json": ""}
        msg.update(extra)
        start = len(self.log)
        self.deliver(msg)
        self.wait_for("SubmitResult", lambda b: b.get("request_id") == request_id and b.get("done") and not b.get("block_json"), timeout)
        return [(m, b) for m, b in self.log[start:] if b.get("request_id", request_id) == request_id or m not in ("SubmitResult", "NotifySession")]

    def deliver(self, msg):
        """An inbound message: over the runner link when there is one, else `POST /_capsule/inbound`."""
        if self.link is not None:
            self.link.send({"t": "inbound", "message": msg})
            return
        status, _, body = self.request("POST", "/_capsule/inbound", msg)
        assert status == 202, (status, body)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.request("POST", "/_capsule/shutdown", {})
            except Exception:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        for s in (self.proc.stdin, self.proc.stdout, self.proc.stderr) if self.proc else ():
            try:
                s.close()
            except Exception:
                pass
        for conn in self.links:
            conn.close()
        for held in self.held.values():
            held.set()
        self.server.shutdown()
        self.server.server_close()
