"""`cpsl.Secret`: a reference by name; `.value` reads the environment first, then the resolver.

The resolver is the emulator's `GetSecret`, installed by the runner once it has a connection.
Values are never put into messages, reprs or logs.
"""
import os
import threading

_cache = {}
_cache_lock = threading.Lock()
_resolver = None


def set_resolver(fn):
    """fn(name) -> {"ok": bool, "value": str, "err_msg": str}; None removes it."""
    global _resolver
    _resolver = fn


def clear_cache():
    with _cache_lock:
        _cache.clear()


class Secret:
    __slots__ = ("_name",)

    def __init__(self, _name=""):
        self._name = _name

    @classmethod
    def from_name(cls, name):
        return cls(_name=name)

    @property
    def name(self):
        return self._name

    @property
    def value(self):
        name = self._name
        if not name:
            raise ValueError("Secret has no name")
        if name in os.environ:
            return os.environ[name]
        with _cache_lock:
            if name in _cache:
                return _cache[name]
        resolver = _resolver
        if resolver is None:
            raise ValueError(
                f"Secret '{name}' not found in environment and no runtime connection available. "
                "Are you inside a running app?"
            )
        answer = resolver(name) or {}
        if not answer.get("ok"):
            raise ValueError(f"secret '{name}' not found: {answer.get('err_msg', '')}")
        value = answer.get("value", "")
        with _cache_lock:
            _cache[name] = value
        return value

    def to_dict(self):
        return {"_secret_name": self._name}

    def __str__(self):
        return f"Secret({self._name})"

    __repr__ = __str__

    def __eq__(self, other):
        return isinstance(other, Secret) and other._name == self._name

    def __hash__(self):
        return hash(("Secret", self._name))


def secret_name_or_str(v):
    """The wire form of a str|Secret option: the secret's name, or the raw string."""
    if isinstance(v, Secret):
        return v.name
    return "" if v is None else str(v)
