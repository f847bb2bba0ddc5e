"""Generate catalog/sdk-surface.json from the installed cpsl wheel.

The public surface (classes, functions, signatures with defaults, docstrings, enums, dataclass
fields, `cpsl.ui` components, Literal values) is read by introspection; the values the SDK
validates at import (allowed scopes, reserved page routes...) and the messages of the exceptions
it raises are read from the wheel's own source with `ast`, so that the language server checks
what this exact version checks and says what it says.

Run it through `npm run catalog`; `npm test` fails when the committed file and the wheel disagree.
Output is deterministic: sorted keys, sets sorted, no addresses or hash-ordered reprs.
"""
from __future__ import annotations

import ast
import dataclasses
import enum
import importlib
import importlib.metadata
import inspect
import json
import re
import sys
import typing
from pathlib import Path

import cpsl
import cpsl.ui

PKG = Path(cpsl.__file__).parent
MODULES = ["app", "constants", "db", "workflow", "theme", "home", "decorators", "task_types", "integration",
           "channels", "session", "image", "secret", "filesystem", "settings", "ui", "pipedream", "msg", "config"]

# Classes whose methods are part of the surface (reachable as `app.x`, `session.x`, `wf.x`...).
METHOD_CLASSES = {
    "App": cpsl.App,
    "Session": cpsl.Session,
    "RequestContext": cpsl.RequestContext,
    "Workflow": cpsl.Workflow,
    "CollectionRef": cpsl.CollectionRef,
    "TaskDescriptor": cpsl.TaskDescriptor,
    "TaskHandle": cpsl.TaskHandle,
    "Secret": cpsl.Secret,
    "Image": cpsl.Image,
    "FileSystem": cpsl.FileSystem,
}

# Module-level values the SDK validates against; read from the modules so that a new SDK version
# with another list regenerates another catalog.
SETS = {
    "collectionScopes": ("constants", "VALID_SCOPES"),
    "settingScopes": ("constants", "VALID_SETTING_SCOPES"),
    "workflowScopes": ("constants", "VALID_WORKFLOW_SCOPES"),
    "reservedPageRoutes": ("app", "_RESERVED_PAGE_ROUTES"),
    "shellHomeValues": ("app", "_SHELL_HOME_VALUES"),
    "chatPageModes": ("app", "_CHAT_MODE_VALUES"),
    "chatPageScopes": ("app", "_CHAT_SCOPE_VALUES"),
    "knownSecretIntegrations": ("integration", "KNOWN_SECRET_INTEGRATIONS"),
    "themePresets": ("theme", "PRESETS"),
}


def doc_of(obj) -> str:
    d = inspect.getdoc(obj)
    return d.strip() if d else ""


def literal_values(tp) -> list | None:
    if typing.get_origin(tp) is typing.Literal:
        return list(typing.get_args(tp))
    return None


def module_literals() -> dict[str, list]:
    out: dict[str, list] = {}
    for m in MODULES:
        mod = importlib.import_module(f"cpsl.{m}")
        for name, val in vars(mod).items():
            vals = literal_values(val)
            if vals is not None and name[0].isupper():
                out[name] = vals
    return out


LITERALS = module_literals()


def annotation_literals(ann: str) -> list | None:
    """Literal values an annotation string allows: an inline Literal[...] or a known alias."""
    m = re.search(r"Literal\[([^\]]*)\]", ann)
    if m:
        try:
            return list(ast.literal_eval(f"({m.group(1)},)"))
        except (ValueError, SyntaxError):
            return None
    for tok in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", ann):
        if tok in LITERALS:
            return LITERALS[tok]
    return None


def default_text(value) -> str:
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    if isinstance(value, type):
        return value.__name__
    if callable(value):
        return getattr(value, "__name__", "...")
    r = repr(value)
    return "..." if " at 0x" in r else r


def params_of(fn) -> tuple[str, list[dict]]:
    sig = inspect.signature(fn)
    params = []
    parts = []
    seen_kwonly = False
    for p in sig.parameters.values():
        if p.name in ("self", "cls"):
            continue
        ann = p.annotation if isinstance(p.annotation, str) else ("" if p.annotation is inspect.Parameter.empty else inspect.formatannotation(p.annotation))
        entry: dict = {"name": p.name}
        kind = {
            p.POSITIONAL_ONLY: "positional",
            p.POSITIONAL_OR_KEYWORD: "either",
            p.KEYWORD_ONLY: "keyword",
            p.VAR_POSITIONAL: "varargs",
            p.VAR_KEYWORD: "varkw",
        }[p.kind]
        entry["kind"] = kind
        if ann:
            entry["type"] = ann
        if p.default is not inspect.Parameter.empty:
            entry["default"] = default_text(p.default)
        lits = annotation_literals(ann) if ann else None
        if lits:
            entry["literals"] = lits
        params.append(entry)
        if p.kind == p.KEYWORD_ONLY and not seen_kwonly:
            parts.append("*")
            seen_kwonly = True
        text = p.name
        if kind == "varargs":
            text = "*" + p.name
            seen_kwonly = True
        if kind == "varkw":
            text = "**" + p.name
        if ann:
            text += f": {ann}"
        if "default" in entry:
            text += (" = " if ann else "=") + entry["default"]
        parts.append(text)
    ret = sig.return_annotation
    ret_text = "" if ret is inspect.Signature.empty else (ret if isinstance(ret, str) else inspect.formatannotation(ret))
    return "(" + ", ".join(parts) + ")" + (f" -> {ret_text}" if ret_text else ""), params


def entry_for(name: str, obj) -> dict | None:
    if inspect.ismodule(obj):
        return {"kind": "module", "signature": f"cpsl.{name}", "doc": doc_of(obj)}
    if isinstance(obj, type) and issubclass(obj, enum.Enum):
        return {
            "kind": "enum",
            "signature": f"class {name}({', '.join(b.__name__ for b in obj.__bases__)})",
            "doc": doc_of(obj),
            "members": {m.name: m.value for m in obj},
        }
    if isinstance(obj, type):
        e: dict = {"kind": "class", "doc": doc_of(obj)}
        try:
            sig, params = params_of(obj)
            e["signature"] = name + sig.split(" -> ")[0]
            e["params"] = params
        except (TypeError, ValueError):
            e["signature"] = name
        if dataclasses.is_dataclass(obj):
            e["fields"] = [f.name for f in dataclasses.fields(obj)]
        return e
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        sig, params = params_of(obj)
        return {"kind": "function", "signature": name + sig, "doc": doc_of(obj), "params": params}
    vals = literal_values(obj)
    if vals is not None:
        return {"kind": "type", "signature": f"{name} = Literal[{', '.join(repr(v) for v in vals)}]", "doc": "", "literals": vals}
    if isinstance(obj, (str, int, float, bool)):
        return {"kind": "constant", "signature": f"{name} = {obj!r}", "doc": ""}
    if isinstance(obj, dict):
        return {"kind": "constant", "signature": f"{name}: dict", "doc": ""}
    return None


def public_names(mod) -> list[str]:
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n in vars(mod) if not n.startswith("_")]
    return sorted(names)


def methods_of(cls) -> dict:
    out = {}
    for name, member in sorted(vars(cls).items()):
        if name.startswith("_"):
            continue
        fn = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
        if isinstance(member, property):
            out[name] = {"kind": "property", "signature": name, "doc": doc_of(member)}
            ret = inspect.signature(fn).return_annotation
            if isinstance(ret, str) and ret:
                out[name]["signature"] = f"{name}: {ret}"
            continue
        if not inspect.isfunction(fn):
            continue
        sig, params = params_of(fn)
        is_async = inspect.iscoroutinefunction(fn)
        if isinstance(member, (staticmethod, classmethod)):
            out[name] = {"kind": "static", "signature": name + sig, "doc": doc_of(fn), "params": [p for p in params if p["name"] != "cls"]}
            continue
        out[name] = {"kind": "method", "signature": ("async " if is_async else "") + name + sig, "doc": doc_of(fn), "params": params}
    return out


def set_values(module: str, attr: str) -> list:
    val = getattr(importlib.import_module(f"cpsl.{module}"), attr)
    if isinstance(val, dict):
        return sorted(val.keys())
    return sorted(val)


def template_of(node: ast.expr) -> str | None:
    """A raise message as text, with `{expr}` where an f-string interpolates."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        out = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                out.append(str(v.value))
            elif isinstance(v, ast.FormattedValue):
                conv = "!r" if v.conversion == ord("r") else ""
                out.append("{" + ast.unparse(v.value) + conv + "}")
        return "".join(out)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        a, b = template_of(node.left), template_of(node.right)
        return a + b if a is not None and b is not None else None
    return None


def raises() -> dict:
    """`Class.method` -> the exceptions it raises directly: type, message template, condition."""
    out: dict[str, list] = {}
    for m in MODULES:
        src = (PKG / f"{m}.py").read_text()
        tree = ast.parse(src)

        def visit(body, prefix):
            for node in body:
                if isinstance(node, ast.ClassDef):
                    visit(node.body, f"{node.name}.")
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found = []
                    for sub in ast.walk(node):
                        if not isinstance(sub, ast.If):
                            continue
                        for stmt in sub.body:
                            if isinstance(stmt, ast.Raise) and isinstance(stmt.exc, ast.Call) and isinstance(stmt.exc.func, ast.Name) and stmt.exc.args:
                                msg = template_of(stmt.exc.args[0])
                                if msg is not None:
                                    found.append({"exception": stmt.exc.func.id, "message": msg, "when": ast.unparse(sub.test), "line": stmt.lineno})
                    if found:
                        found.sort(key=lambda r: r["line"])
                        for r in found:
                            del r["line"]
                        out[f"{m}:{prefix}{node.name}"] = found
        visit(tree.body, "")
    return out


def choice_checks() -> dict:
    """`if x not in ("a", "b"): raise` inside a function -> {"Class.method:x": ["a", "b"]}."""
    out: dict[str, list] = {}
    for m in MODULES:
        tree = ast.parse((PKG / f"{m}.py").read_text())
        for cls in [n for n in tree.body if isinstance(n, ast.ClassDef)]:
            for fn in [n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
                for sub in ast.walk(fn):
                    if not (isinstance(sub, ast.If) and isinstance(sub.test, ast.Compare) and len(sub.test.ops) == 1 and isinstance(sub.test.ops[0], ast.NotIn)):
                        continue
                    if not any(isinstance(s, ast.Raise) for s in sub.body) or not isinstance(sub.test.left, ast.Name):
                        continue
                    right = sub.test.comparators[0]
                    if isinstance(right, (ast.Tuple, ast.Set, ast.List)) and all(isinstance(e, ast.Constant) for e in right.elts):
                        out[f"{cls.name}.{fn.name}:{sub.test.left.id}"] = [e.value for e in right.elts]
    return dict(sorted(out.items()))


def main() -> None:
    surface = {
        "generatedFrom": f"cpsl {importlib.metadata.version('cpsl')}",
        "module": {},
        "classes": {},
        "ui": {},
        "literals": LITERALS,
        "sets": {k: set_values(*v) for k, v in SETS.items()},
        "settingTypes": sorted(t.__name__ for t in importlib.import_module("cpsl.constants")._TYPE_TO_STR),
        "themeFields": [f.name for f in dataclasses.fields(cpsl.Theme)],
        "choices": choice_checks(),
        "raises": raises(),
    }
    for name in public_names(cpsl):
        obj = getattr(cpsl, name)
        # Submodules are importable names of the package, not its API; `cpsl.ui` is both.
        if inspect.ismodule(obj) and name != "ui":
            continue
        e = entry_for(name, obj)
        if e:
            surface["module"][name] = e
    for name, cls in METHOD_CLASSES.items():
        surface["classes"][name] = {"doc": doc_of(cls), "methods": methods_of(cls)}
    for name in public_names(cpsl.ui):
        obj = getattr(cpsl.ui, name)
        if isinstance(obj, type) and issubclass(obj, cpsl.ui._Widget) and obj is not cpsl.ui._Widget:
            e = entry_for(name, obj)
            if e:
                e["widget"] = getattr(obj, "_type", "")
                surface["ui"][name] = e
        elif isinstance(obj, type) and obj.__module__ == "cpsl.ui":
            e = entry_for(name, obj)
            if e:
                surface["ui"][name] = e
    json.dump(surface, sys.stdout, indent=1, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
