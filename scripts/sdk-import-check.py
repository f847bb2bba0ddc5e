"""Import app definitions with the real SDK and say how each one fared.

Reads JSON lines {"id", "source"} on stdin and writes one JSON line per definition:
{"id", "ok": true} or {"id", "ok": false, "exception", "message", "line"}, where line (1-based)
is the deepest frame of the traceback in the definition's own file: the line the app author
would be sent to. Each definition is written to a file of its own and imported as a fresh
module after the SDK's module-level registries are emptied, so none sees another's state.
Used by the differential harness (test/support/agreement.ts).
"""
from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
import traceback
import warnings
from pathlib import Path

import cpsl  # noqa: F401  (imported once: every definition shares the loaded SDK)
import cpsl.app as cpsl_app


def reset() -> None:
    cpsl_app._REGISTERED_CLASSES.clear()
    cpsl_app._DATA_REGISTRY.clear()
    cpsl_app._HOME_SUGGESTIONS_REGISTRY.clear()


def run_one(root: Path, ident: str, source: str) -> dict:
    path = root / f"capsule_def_{ident}.py"
    path.write_text(source)
    name = f"capsule_def_{ident}"
    reset()
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            spec.loader.exec_module(module)
        return {"id": ident, "ok": True}
    except SyntaxError as e:
        return {"id": ident, "ok": False, "exception": "SyntaxError", "message": str(e.msg), "line": e.lineno}
    except BaseException as e:  # noqa: BLE001 - every failure of an import is an answer here
        line = None
        for frame in traceback.extract_tb(e.__traceback__):
            if frame.filename == str(path):
                line = frame.lineno
        return {"id": ident, "ok": False, "exception": type(e).__name__, "message": str(e), "line": line}
    finally:
        sys.modules.pop(name, None)
        path.unlink(missing_ok=True)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="capsule-agreement-") as tmp:
        root = Path(tmp)
        for raw in sys.stdin:
            if not raw.strip():
                continue
            item = json.loads(raw)
            sys.stdout.write(json.dumps(run_one(root, str(item["id"]), item["source"])) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
