"""Prints, as JSON, the gRPC protocol that the installed `cpsl` wheel speaks: every message with
its fields (name, number, type, label, oneof group), every enum, and every RPC of every service
(its path, streaming kind, request and response types).

The wheel ships betterproto dataclasses and grpcio stubs but no .proto file. Our capsule.proto
must agree with them field for field; test/platform/protocol.test.ts runs this script with the
project's interpreter and compares its output with the proto, so that an SDK release that
changes the protocol fails loudly, with its version named.

Usage: python sdk-protocol.py   (with the interpreter that has cpsl installed)
"""

import ast
import dataclasses
import inspect
import json
import sys
import typing
from importlib import metadata

import betterproto
import cpsl.clients.capsule as wire

# betterproto's wire type names are protobuf's own scalar names, except these.
_SCALAR = {"message": None, "enum": None, "map": None}


def _inner(hint):
    args = typing.get_args(hint)
    return args[0] if args else hint


def _field(cls, f, hints):
    meta = f.metadata["betterproto"]
    hint = hints[f.name]
    origin = typing.get_origin(hint)
    out = {"name": f.name, "number": meta.number}
    if meta.proto_type == "map":
        key, value = meta.map_types
        out["label"] = "map"
        vhint = typing.get_args(hint)[1]
        out["type"] = f"map<{key},{vhint.__name__ if value in ('message', 'enum') else value}>"
        return out
    repeated = origin in (list, typing.List)
    out["label"] = "repeated" if repeated else ("optional" if meta.optional else "")
    target = _inner(hint) if repeated else hint
    if meta.proto_type in ("message", "enum"):
        out["type"] = target.__name__
    else:
        out["type"] = meta.proto_type
    if meta.group:
        out["oneof"] = meta.group
    return out


def messages():
    found = {}
    for name, cls in inspect.getmembers(wire, inspect.isclass):
        if cls.__module__ != wire.__name__:
            continue
        if issubclass(cls, betterproto.Message):
            hints = typing.get_type_hints(cls, vars(wire))
            found[name] = {"fields": [_field(cls, f, hints) for f in dataclasses.fields(cls)]}
    return found


def enums():
    found = {}
    for name, cls in inspect.getmembers(wire, inspect.isclass):
        if cls.__module__ == wire.__name__ and issubclass(cls, betterproto.Enum):
            found[name] = {m.name: int(m.value) for m in cls}
    return found


_KINDS = {
    "_unary_unary": "unary",
    "_unary_stream": "server_stream",
    "_stream_unary": "client_stream",
    "_stream_stream": "bidi",
}


def services():
    """Read from the stubs' source: each method calls self._<kind>("/pkg.Service/Method", Req, Resp)."""
    tree = ast.parse(inspect.getsource(wire))
    found = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        kind = _KINDS.get(node.func.attr)
        if not kind or len(node.args) != 3 or not isinstance(node.args[0], ast.Constant):
            continue
        path = node.args[0].value
        _, pkg_service, method = path.split("/")
        package, service = pkg_service.rsplit(".", 1)
        found.setdefault(service, {})[method] = {
            "path": path,
            "package": package,
            "kind": kind,
            "request": node.args[1].id,
            "response": node.args[2].id,
        }
    return found


def main():
    json.dump(
        {
            "sdk": "cpsl",
            "version": metadata.version("cpsl"),
            "python": ".".join(map(str, sys.version_info[:3])),
            "requires_python": metadata.metadata("cpsl").get("Requires-Python", ""),
            "messages": messages(),
            "enums": enums(),
            "services": services(),
        },
        sys.stdout,
        indent=1,
        sort_keys=True,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
