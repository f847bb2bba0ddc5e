"""Runs the real SDK's own runner (`cpsl.runner`'s main, unchanged) for Capsule Local.

Started as `python -m capsule_local_runner module:Name` in the app's folder, with this folder on
PYTHONPATH and the platform's environment (CAPSULE_GATEWAY_HOST, CAPSULE_RUNNER_TOKEN, ...).
It does five things around the SDK's main, and nothing inside it:

1. The runner's HTTP server (data, endpoints, page sources) is hard-coded in the wheel to
   0.0.0.0:8080 (cpsl/runner/shared.py `_PORT`; core.py starts `web.TCPSite(runner, "0.0.0.0",
   _PORT)`), and the SDK has no setting for it. On a laptop that would expose the app on every
   network interface and make two apps collide. So this launcher binds a socket on 127.0.0.1 at a
   free port itself and hands the SDK a `web` namespace (for cpsl.runner.core only) whose
   TCPSite serves that socket; the port constants the runner also reads (its self-ping) are set to
   it. aiohttp itself and the app's own use of it are untouched.
2. Before the SDK connects, it tells the gateway the port and the app's declarations (the
   `_cpsl_config` that the Capsule CLI's `capsule serve` reads the same way, import the entry then
   `_finalize_config()`, and sends the platform in its StartServe request): `POST
   /_runner/rpc/Declare` on CAPSULE_GATEWAY_URL with the runner token. That works the same for a
   process the emulator launched and one a debugger launched.
3. An entry that fails to import (or a target that is not an App) is reported the same way
   (`POST /_runner/rpc/Register` with the exception and its traceback), and the process exits
   with status 3.
4. The app's managed filesystems (`filesystems={"/data": cpsl.FileSystem("notes")}`), which the
   platform mounts, are mapped onto folders of the store (CAPSULE_LOCAL_FILESYSTEMS/<name>) for
   Python's file functions once the app is imported (capsule_local_mounts.py says how and what not).
5. The emulator keeps stdin open as a pipe: EOF means the emulator is gone (even killed with
   SIGKILL), and the runner is then stopped as by SIGTERM (its shutdown hooks run), instead of
   retrying the connection for ever.

A spare (CAPSULE_LOCAL_SPARE=1, the emulator's next runner, started ahead of a save) imports the
SDK's runner, which costs most of a start, then waits for one line on stdin before it imports the
app: the app's code is read only once the emulator asks, so it is the saved version. The line (a
JSON object of environment variables to set first: the version id the spare is given) is the only
thing the emulator ever writes there; EOF before it ends the spare.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import sys
import threading
import traceback
import types

import urllib.error
import urllib.request


def _call(method: str, body: dict) -> None:
    """One call to the gateway's runner RPC (the platform's StartServe stands for it)."""
    url = os.environ.get("CAPSULE_GATEWAY_URL", "").rstrip("/") + "/_runner/rpc/" + method
    req = urllib.request.Request(
        url,
        data=json.dumps(body, default=str).encode(),
        headers={
            "content-type": "application/json",
            "authorization": "Bearer " + os.environ.get("CAPSULE_RUNNER_TOKEN", ""),
        },
        method="POST",
    )
    try:
        urllib.request.urlopen(req, timeout=30).close()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")[:500]
        sys.__stderr__.write(f"[capsule-local] {method} refused ({exc.code}): {detail}\n")
        sys.exit(4)
    except OSError as exc:
        sys.__stderr__.write(f"[capsule-local] the emulator is not reachable at {url}: {exc}\n")
        sys.exit(4)


def _bind_loopback() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", int(os.environ.get("CAPSULE_LOCAL_HTTP_PORT", "0") or 0)))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _serve_http_on(sock: socket.socket) -> None:
    from aiohttp import web

    import cpsl.runner.core as core
    import cpsl.runner.gateway as gateway
    import cpsl.runner.shared as shared

    port = sock.getsockname()[1]

    def loopback_site(runner, host=None, port=None, **_kw):
        # The runner asks for ("0.0.0.0", 8080); it gets the loopback socket bound above.
        return web.SockSite(runner, sock)

    patched = types.SimpleNamespace(**{k: getattr(web, k) for k in dir(web) if not k.startswith("__")})
    patched.TCPSite = loopback_site
    core.web = patched
    for mod in (core, gateway, shared):
        mod._PORT = port


def _watch_stdin() -> None:
    def watch() -> None:
        # os.read, not sys.stdin: a daemon thread blocked in the buffered reader makes the
        # interpreter's own shutdown fail.
        try:
            while os.read(0, 65536):
                pass
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGTERM)
        # The SDK's shutdown waits at most a few seconds for its hooks; never linger past that.
        threading.Timer(10.0, lambda: os._exit(0)).start()

    if not os.isatty(0):
        threading.Thread(target=watch, name="capsule-local-stdin", daemon=True).start()


def _declarations(module_name: str, target: str) -> dict:
    """The entry's `_cpsl_config`, as cpsl.utils.resolve_entry_point reads it for `capsule serve`."""
    from cpsl.app import App

    obj = getattr(importlib.import_module(module_name), target, None)
    if obj is None:
        raise AttributeError(f"module {module_name!r} has no attribute {target!r}")
    if isinstance(obj, App):
        obj._finalize_config()
        return obj._cpsl_config
    config = getattr(obj, "_cpsl_config", None)
    if config is None:
        raise TypeError(f"{target!r} is not a cpsl.App or a class decorated with @app.cls")
    return config


def _mount_filesystems(config: dict) -> None:
    """Maps each declared mount path onto the store's folder for that filesystem's name."""
    root = os.environ.get("CAPSULE_LOCAL_FILESYSTEMS", "")
    declared = config.get("filesystems")
    if not root or not isinstance(declared, dict) or not declared:
        return
    import re

    import capsule_local_mounts

    table = {}
    for mount, spec in declared.items():
        name = spec.get("name") if isinstance(spec, dict) else None
        if not isinstance(mount, str) or not mount.startswith("/") or not isinstance(name, str) or not name:
            continue
        # A name is a folder of its own: nothing in it may climb out of the store.
        folder = re.sub(r"[^A-Za-z0-9._-]", "_", name)
        if folder in (".", ".."):
            folder = "_" + folder
        table[mount] = os.path.join(root, folder)
    if table:
        capsule_local_mounts.install(table)


def _wait_until_asked() -> None:
    """A spare: blocks until the emulator writes its line (EOF: not needed after all)."""
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(0, 1)
        if not chunk:
            sys.exit(0)
        line += chunk
    env = json.loads(line)
    os.environ.update({str(k): str(v) for k, v in env.items()})


def main() -> None:
    if len(sys.argv) != 2 or ":" not in sys.argv[1]:
        print("usage: python -m capsule_local_runner <module>:<name>", file=sys.stderr)
        sys.exit(2)
    module_name, target = sys.argv[1].rsplit(":", 1)
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        from importlib import metadata

        version = metadata.version("cpsl")
        import cpsl.runner.core as core
    except Exception as exc:  # no SDK: the gateway chose this interpreter by mistake
        error = f"the Capsule SDK (cpsl) cannot be loaded by {sys.executable}: {type(exc).__name__}: {exc}"
        _call("Register", {"error": error, "traceback": traceback.format_exc()})
        sys.exit(5)
    if os.environ.pop("CAPSULE_LOCAL_SPARE", "") == "1":
        _wait_until_asked()
    sock = _bind_loopback()
    _serve_http_on(sock)
    _watch_stdin()
    try:
        config = _declarations(module_name, target)
    except BaseException as exc:  # what the import raised is the app's error, reported as such
        if isinstance(exc, KeyboardInterrupt):
            raise
        tb = traceback.format_exc()
        sys.stderr.write(tb)
        _call("Register", {"error": f"{type(exc).__name__}: {exc}", "traceback": tb})
        sys.exit(3)
    _mount_filesystems(config)
    _call(
        "Declare",
        {"port": sock.getsockname()[1], "pid": os.getpid(), "sdk": version, "python": sys.executable, "config": config},
    )
    sys.argv = ["cpsl.runner", f"{module_name}:{target}"]
    core.main()


if __name__ == "__main__":
    main()
