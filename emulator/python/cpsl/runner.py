"""`python -m cpsl.runner app.py:app` — the app process the emulator talks to (PROTOCOL.md)."""
import asyncio
import importlib
import importlib.util
import os
import signal
import stat
import sys
import threading
import traceback

from . import link as link_mod
from . import rpc as rpc_mod
from . import secrets
from .app import App
from .http_server import RunnerHTTPServer
from .logs import say as _log
from .runtime import Runtime

EXIT_IMPORT_ERROR = 3
EXIT_NO_GATEWAY = 4


class EntryError(Exception):
    pass


def load_entry(spec):
    """Imports `file.py:symbol` (after moving into the file's folder) or `module:Symbol`."""
    if ":" not in spec:
        raise EntryError(f"entry point '{spec}' must be FILE.py:SYMBOL (for example app.py:app)")
    target, _, symbol = spec.rpartition(":")
    if target.endswith(".py"):
        path = os.path.abspath(target)
        if not os.path.isfile(path):
            raise EntryError(f"app file not found: {target}")
        folder = os.path.dirname(path)
        os.chdir(folder)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        module_name = os.path.splitext(os.path.basename(path))[0]
        module = importlib.import_module(module_name)
        if os.path.abspath(getattr(module, "__file__", "") or "") != path:
            # The name belongs to a module imported earlier (e.g. a standard one): load the
            # file itself under that name.
            spec = importlib.util.spec_from_file_location(module_name, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
    else:
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        module = importlib.import_module(target)
    try:
        obj = getattr(module, symbol)
    except AttributeError:
        raise EntryError(f"{target} has no attribute '{symbol}'") from None
    if isinstance(obj, App):
        app = obj
    elif isinstance(getattr(obj, "_cpsl_app", None), App):
        app = obj._cpsl_app
    else:
        raise EntryError(f"'{symbol}' in {target} is not a cpsl.App (it is {type(obj).__name__})")
    return app


def _register_failure(client, exc, tb):
    body = {
        "app_id": os.environ.get("CAPSULE_APP_ID", ""),
        "version_id": os.environ.get("CAPSULE_VERSION_ID", ""),
        "pid": os.getpid(),
        "error": f"{type(exc).__name__}: {exc}",
        "traceback": tb,
    }
    try:
        client.call("Register", body, timeout=10)
    except rpc_mod.GatewayError as e:
        _log(f"could not report the import error to the emulator: {e}")


def _watch_stdin(loop, runtime):
    """EOF on a piped stdin means the emulator is gone (PROTOCOL.md): stop instead of lingering."""
    try:
        fd = sys.stdin.fileno()
        mode = os.fstat(fd).st_mode
    except (OSError, ValueError, AttributeError):
        return
    # The emulator's pipes are socket pairs (node's), a pipe of Python's subprocess is a FIFO.
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return  # a terminal or a debugger's console: not ours to watch

    def watch():
        # os.read, not sys.stdin: a buffered reader blocked here would hold its lock at exit.
        try:
            while os.read(fd, 65536):
                pass
        except OSError:
            pass
        loop.call_soon_threadsafe(runtime.request_stop)
        _log("the emulator closed stdin; stopping")

    threading.Thread(target=watch, name="cpsl-stdin-watch", daemon=True).start()


async def _open_link(client, runtime):
    """The runner link (PROTOCOL.md): inbound messages and `acall`s over one connection. None when
    the emulator does not offer it (an older one) or it is turned off; HTTP then carries both."""
    if os.environ.get("CAPSULE_RUNNER_LINK", "1") == "0":
        return None
    try:
        link = await link_mod.open_link(client, runtime.accept_inbound)
    except link_mod.LinkRefused as e:
        if e.status not in (404, 501):
            _log(f"{e}; using HTTP")
        return None
    except Exception:
        return None  # unreachable: Register over HTTP reports it
    _attach(client, runtime, link)
    return link


def _attach(client, runtime, link):
    client.link = link

    def lost(why):
        if not runtime.stopping:
            asyncio.get_running_loop().create_task(_relink(client, runtime, why))

    link.on_lost = lost


async def _relink(client, runtime, why):
    """The link broke while this process runs: reconnect if the emulator is still there (calls
    use HTTP meanwhile); if it refuses this runner or cannot be reached, stop as on stdin EOF."""
    last = None
    for delay in (0.05, 0.25, 1.0):
        await asyncio.sleep(delay)
        if runtime.stopping:
            return
        try:
            link = await link_mod.open_link(client, runtime.accept_inbound)
        except link_mod.LinkRefused as e:
            _log(f"{why}; {e}; stopping")
            runtime.request_stop()
            return
        except Exception as e:
            last = e
            continue
        _attach(client, runtime, link)
        _log(f"{why}; reconnected")
        return
    _log(f"{why} and the emulator cannot be reached ({last}); stopping")
    runtime.request_stop()


async def serve(app, client):
    loop = asyncio.get_running_loop()
    runtime = Runtime(app, client, app_id=os.environ.get("CAPSULE_APP_ID", ""))
    app._bind_class()
    await runtime.boot()
    server = RunnerHTTPServer(runtime, loop, client.token)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, name="cpsl-http", daemon=True).start()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, runtime.request_stop)
        except (NotImplementedError, RuntimeError):
            pass
    _watch_stdin(loop, runtime)
    link = await _open_link(client, runtime)
    try:
        return await _register_and_run(app, client, runtime, server, port)
    finally:
        if client.link is not None:
            client.link.close()
        elif link is not None:
            link.close()


async def _register_and_run(app, client, runtime, server, port):
    try:
        answer = await client.acall("Register", {
            "app_id": os.environ.get("CAPSULE_APP_ID", ""),
            "version_id": os.environ.get("CAPSULE_VERSION_ID", ""),
            "pid": os.getpid(),
            "port": port,
            "config": app._cpsl_config,
        }, timeout=30)
    except rpc_mod.GatewayError as e:
        _log(f"could not register with the emulator: {e}")
        server.shutdown()
        return EXIT_NO_GATEWAY
    if not answer.get("ok", False):
        _log(f"the emulator refused the app: {answer.get('error') or answer}")
        server.shutdown()
        return EXIT_NO_GATEWAY
    _log(f"app '{app.name}' ready on 127.0.0.1:{port}")
    await runtime.wait_stopped()
    await runtime.shutdown()
    server.shutdown()
    _log("stopped")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print("usage: python -m cpsl.runner FILE.py:SYMBOL | module:Symbol", file=sys.stderr)
        return 2
    client = rpc_mod.RpcClient()
    rpc_mod.set_client(client)
    if os.environ.get("CAPSULE_LOG_RPC") == "1":
        from .logs import tee_output

        tee_output(client)
    secrets.set_resolver(_secret_resolver(client))
    try:
        app = load_entry(argv[0])
    except BaseException as e:  # SystemExit at import included: the app never became ready
        if isinstance(e, KeyboardInterrupt):
            raise
        tb = traceback.format_exc()
        sys.stderr.write(tb)
        sys.stderr.flush()
        _register_failure(client, e, tb)
        return EXIT_IMPORT_ERROR
    try:
        return asyncio.run(serve(app, client))
    except Exception as e:
        # A boot hook that raised: as fatal as an import error.
        tb = traceback.format_exc()
        sys.stderr.write(tb)
        sys.stderr.flush()
        _register_failure(client, e, tb)
        return EXIT_IMPORT_ERROR


def _secret_resolver(client):
    def resolve(name):
        try:
            return client.call("GetSecret", {"name": name}, timeout=30)
        except rpc_mod.GatewayError as e:
            return {"ok": False, "value": "", "err_msg": str(e)}

    return resolve


if __name__ == "__main__":
    sys.exit(main())
