"""Which argument each parameter of an app handler gets, decided as the SDK does: by annotation,
then by name, then by position."""
import inspect

from .context import Message, RequestContext
from .session import Session

_CTX_NAMES = ("RequestContext", "HomeContext")


def _annotation_is(p, cls, names):
    ann = p.annotation
    if ann is inspect.Parameter.empty:
        return False
    if isinstance(ann, str):  # `from __future__ import annotations`
        return ann.rsplit(".", 1)[-1] in names
    try:
        return isinstance(ann, type) and issubclass(ann, cls)
    except TypeError:
        return False


def _params(fn):
    try:
        return list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return []


def _positional(params):
    return [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def message_args(fn, session, message):
    """Arguments for a message handler: (session, msg) as the SDK's examples, or any order by
    annotation or name (`message`/`msg`, `session`/`ctx`)."""
    params = _positional(_params(fn))
    slots = [None] * len(params)
    free = {"session": session, "message": message}
    for i, p in enumerate(params):
        if _annotation_is(p, Session, ("Session",)) and "session" in free:
            slots[i] = free.pop("session")
        elif _annotation_is(p, Message, ("Message",)) and "message" in free:
            slots[i] = free.pop("message")
    for i, p in enumerate(params):
        if slots[i] is not None:
            continue
        if p.name in ("session", "ctx", "sess") and "session" in free:
            slots[i] = free.pop("session")
        elif p.name in ("message", "msg") and "message" in free:
            slots[i] = free.pop("message")
    order = [k for k in ("session", "message") if k in free]
    args = []
    for i, p in enumerate(params):
        if slots[i] is None:
            if not order:
                if p.default is not p.empty:
                    break
                raise TypeError(f"message handler {fn.__name__}{inspect.signature(fn)} takes more than a session and a message")
            slots[i] = free.pop(order.pop(0))
        args.append(slots[i])
    return args


def data_kwargs(fn, ctx, make_session, query):
    """kwargs for a data handler: `ctx` (first param named ctx or annotated RequestContext), a
    request session (named session / annotated Session), then the query's params as strings."""
    kwargs = {}
    params = _params(fn)
    for i, p in enumerate(params):
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if (i == 0 and p.name == "ctx") or _annotation_is(p, RequestContext, _CTX_NAMES):
            kwargs[p.name] = ctx
        elif p.name == "session" or _annotation_is(p, Session, ("Session",)):
            kwargs[p.name] = make_session()
    for k, v in query.items():
        if k in ("version_id", "session_id") or k in kwargs:
            continue
        kwargs[k] = v
    return kwargs


def endpoint_args(fn, ctx, request):
    """An endpoint handler gets `ctx` (same rule as data) else the raw request."""
    params = _params(fn)
    if not params:
        return []
    p = params[0]
    if p.name == "ctx" or _annotation_is(p, RequestContext, _CTX_NAMES):
        return [ctx]
    return [request]


def takes_args(fn):
    return any(p.kind != p.VAR_KEYWORD for p in _params(fn))
