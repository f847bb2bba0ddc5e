"""`cpsl.App`, `cpsl.Image` and the decorators that declare an app's handlers."""
from . import catalog
from .channels import _InlineChannel
from .errors import not_available, warn_not_available
from .integrations import (
    KNOWN_SECRET_INTEGRATIONS,
    MODE_OAUTH,
    MODE_PIPEDREAM,
    MODE_SECRET,
    IntegrationConfig,
    wire_type,
)

FUNCTIONAL_DECORATORS = set(catalog.CATALOG.get("functionalDecorators", []))


class Image:
    def __init__(self, *, python_packages=None, apt_packages=None, commands=None):
        self.python_packages = list(python_packages or [])
        self.apt_packages = list(apt_packages or [])
        self.commands = list(commands or [])

    def to_dict(self):
        return {
            "python_packages": list(self.python_packages),
            "apt_packages": list(self.apt_packages),
            "commands": list(self.commands),
        }


def _decorator(arg, register):
    """Supports both `@app.boot` and `@app.boot()`."""
    if callable(arg):
        return register(arg)

    def wrap(fn):
        return register(fn)

    return wrap


class App:
    def __init__(self, name, *, image=None, channels=None, keep_warm_seconds=0, secrets=None,
                 filesystems=None, npm_packages=None, cpu=0.25, memory=512, gpu=None, price=0,
                 pricing_type="one_time"):
        self.name = name
        self.image = image
        self.channels = list(channels or [])
        self.keep_warm_seconds = keep_warm_seconds
        self.secrets = list(secrets or [])
        self.filesystems = dict(filesystems or {})
        self.npm_packages = list(npm_packages or [])
        self.cpu = cpu
        self.memory = memory
        self.gpu = gpu
        self.price = price
        self.pricing_type = pricing_type
        self.integrations = []
        # name (None = default chat) -> (fn, label)
        self._message_handlers = {}
        self._data_sources = {}
        self._endpoints = []
        self._boot = []
        self._shutdown = []
        self._enter = []
        self._exit = []
        self._unavailable = []  # declared handlers the local runtime will never call
        self._cls = None
        self._functional_used = []

    # -- mode checks -------------------------------------------------------------------------

    @property
    def functional(self):
        return self.image is not None

    def _require_functional(self, kind):
        if self._cls is not None:
            raise RuntimeError(
                f"@app.{kind} cannot be used together with @app.cls: use either functional "
                "decorators with image=, or a class with @app.cls"
            )
        if self.image is None:
            raise RuntimeError(
                f"@app.{kind} requires an image: functional decorators need "
                f"cpsl.App({self.name!r}, image=cpsl.Image(...))"
            )
        self._functional_used.append(kind)

    # -- functional decorators ---------------------------------------------------------------

    def message(self, name=None, *, label=None):
        if callable(name):  # bare @app.message
            fn, name = name, None
            self._require_functional("message")
            self._message_handlers[None] = (fn, label)
            return fn
        self._require_functional("message")

        def wrap(fn):
            self._message_handlers[name] = (fn, label)
            return fn

        return wrap

    def data(self, name, *, access="public"):
        # The SDK does not validate `access` here; the language server flags bad values.
        def wrap(fn):
            self._data_sources[name] = (fn, access)
            return fn

        return wrap

    def endpoint(self, method="GET", path="/", authorized=True):
        self._require_functional("endpoint")

        def wrap(fn):
            self._endpoints.append((str(method).upper(), path, fn, authorized))
            return fn

        return wrap

    def boot(self, fn=None):
        self._require_functional("boot")
        return _decorator(fn, lambda f: (self._boot.append(f), f)[1])

    def shutdown(self, fn=None):
        self._require_functional("shutdown")
        return _decorator(fn, lambda f: (self._shutdown.append(f), f)[1])

    def enter(self, fn=None):
        self._require_functional("enter")
        return _decorator(fn, lambda f: (self._enter.append(f), f)[1])

    def exit(self, fn=None):
        self._require_functional("exit")
        return _decorator(fn, lambda f: (self._exit.append(f), f)[1])

    # Declared but not run locally: registering keeps imports working, the warning says so.
    def _unavailable_decorator(self, kind, label, consequence):
        self._require_functional(kind)

        def wrap(fn):
            self._unavailable.append({"kind": kind, "name": label or getattr(fn, "__name__", kind)})
            warn_not_available(f"@app.{kind}", consequence.format(name=getattr(fn, "__name__", kind)))
            return fn

        return wrap

    def schedule(self, cron=None, **_):
        return self._unavailable_decorator("schedule", None, "'{name}' is registered but never runs locally")

    def task(self, fn=None, **_):
        dec = self._unavailable_decorator("task", None, "'{name}' is registered but cannot be started locally")
        return dec(fn) if callable(fn) else dec

    def action(self, name=None):
        dec = self._unavailable_decorator("action", None, "'{name}' is registered but never receives events locally")
        return dec(name) if callable(name) else dec

    def asgi(self, path="/app"):
        return self._unavailable_decorator("asgi", path, "'{name}' is not mounted locally")

    def session(self, name):
        if not name:
            raise ValueError("@app.session requires a non-empty name")
        return self._unavailable_decorator("session", name, "'{name}' never runs locally")

    def workflow(self, *args, **kwargs):
        self._require_functional("workflow")
        raise not_available("app.workflow()")

    def __getattr__(self, attr):
        # Other SDK declarations (pages, collections, settings, home, ...) fail loudly.
        if attr.startswith("_"):
            raise AttributeError(attr)
        if attr in _UNAVAILABLE_APP_ATTRS:
            def unavailable(*args, **kwargs):
                raise not_available(f"app.{attr}()")
            return unavailable
        raise AttributeError(f"'App' object has no attribute '{attr}'")

    # -- class style -------------------------------------------------------------------------

    def cls(self, klass):
        if self.image is not None:
            raise RuntimeError(
                "@app.cls cannot be used on an App with image=: an app with an image uses "
                "functional decorators (@app.message, ...)"
            )
        if self._functional_used:
            raise RuntimeError(
                "@app.cls cannot be used together with functional decorators "
                f"(@app.{self._functional_used[0]} is already used on this app)"
            )
        self._cls = klass
        klass._cpsl_app = self  # lets the entry point name the class (`app.py:MyApp`)
        return klass

    def _class_methods(self):
        """(kind, options, function name) marked with cpsl.message/data/... on the @app.cls class."""
        out = []
        if self._cls is None:
            return out
        for klass in reversed(self._cls.__mro__):
            for attr, value in vars(klass).items():
                mark = getattr(value, "_cpsl_handler", None)
                if mark:
                    out.append((mark[0], mark[1], attr))
        return out

    def _bind_class(self):
        """Instantiates the @app.cls class and registers its marked methods as handlers."""
        if self._cls is None:
            return
        instance = self._cls()
        for kind, opts, attr in self._class_methods():
            fn = getattr(instance, attr)
            if kind == "message":
                self._message_handlers[opts.get("name")] = (fn, opts.get("label"))
            elif kind == "data":
                self._data_sources[opts["name"]] = (fn, opts.get("access", "public"))
            elif kind == "endpoint":
                self._endpoints.append((opts["method"].upper(), opts["path"], fn, opts["authorized"]))
            elif kind in ("boot", "shutdown", "enter", "exit"):
                getattr(self, "_" + kind).append(fn)

    # -- integrations ------------------------------------------------------------------------

    def add_integration(self, integration_type, *, client_id="", client_secret="", scopes=None, fields=None):
        if isinstance(integration_type, IntegrationConfig):
            if client_id or client_secret or scopes or fields is not None:
                raise ValueError(
                    "IntegrationConfig cannot be combined with client_id, client_secret, scopes or fields; "
                    "set them on the config object"
                )
            config = integration_type
        else:
            config = IntegrationConfig(
                type=wire_type(integration_type),
                client_id=client_id,
                client_secret=client_secret,
                scopes=list(scopes or []),
                fields=fields,
            )
        t = config.type
        if config.mode == MODE_SECRET:
            if config.client_id or config.client_secret:
                raise ValueError(f"Secret integration '{t}' must not set client_id or client_secret")
            if t not in KNOWN_SECRET_INTEGRATIONS and not config.fields:
                raise ValueError(f"Custom secret integration '{t}' requires fields")
        elif config.mode == MODE_PIPEDREAM:
            if config.scopes:
                raise ValueError(f"Pipedream integration '{t}' does not take scopes")
            if bool(config.client_id) != bool(config.client_secret):
                raise ValueError(f"Pipedream integration '{t}' requires both client_id and client_secret")
        elif config.mode == MODE_OAUTH:
            if not (config.client_id and config.client_secret):
                raise ValueError(f"OAuth integration '{t}' requires client_id and client_secret")
        self.integrations.append(config)
        return config

    # -- configuration -----------------------------------------------------------------------

    def _collect_channel_secrets(self):
        names = []
        for ch in self.channels:
            if isinstance(ch, _InlineChannel):
                names.extend(ch.secret_names())
        return names

    def _all_secrets(self):
        out = list(self.secrets)
        for n in self._collect_channel_secrets():
            if n not in out:
                out.append(n)
        return out

    @property
    def _cpsl_config(self):
        # Deprecated inline channels warn here, when serialized (as the SDK does).
        channels = [ch.to_dict() if hasattr(ch, "to_dict") else ch for ch in self.channels]
        handlers = dict(self._message_handlers)
        data_sources = {k: v[1] for k, v in self._data_sources.items()}
        endpoints = [(m, p, a) for (m, p, _f, a) in self._endpoints]
        for kind, opts, _attr in self._class_methods():
            if kind == "message":
                handlers.setdefault(opts.get("name"), (None, opts.get("label")))
            elif kind == "data":
                data_sources.setdefault(opts["name"], opts.get("access", "public"))
            elif kind == "endpoint" and not self._endpoints:
                endpoints.append((opts["method"].upper(), opts["path"], opts["authorized"]))
        config = {
            "app_name": self.name,
            "image": self.image.to_dict() if self.image is not None else None,
            "price": self.price,
            "pricing_type": self.pricing_type,
            "channels": channels,
            "keep_warm_seconds": self.keep_warm_seconds,
            "secrets": self._all_secrets(),
            "filesystems": self.filesystems,
            "cpu": self.cpu,
            "memory": self.memory,
            "gpu": self.gpu,
            "integrations": [c.to_dict() for c in self.integrations],
            "npm_packages": self.npm_packages,
            "data_sources": [{"name": n, "access": a} for n, a in data_sources.items()],
            "endpoints": [{"method": m, "path": p, "authorized": a} for (m, p, a) in endpoints],
            "has_message_handler": bool(handlers),
            "message_handlers": [{"name": n, "label": lbl} for n, (_f, lbl) in handlers.items()],
            "unavailable_handlers": list(self._unavailable),
        }
        if self._cls is not None:
            config["module"] = self._cls.__module__
            config["class_name"] = self._cls.__name__
        return config


_UNAVAILABLE_APP_ATTRS = {
    "page", "home", "home_body", "home_suggestions", "onboarding", "chat_page", "collection",
    "setting", "theme", "shell", "chat", "volume",
}


# Class-style decorators (`@cpsl.message()` on methods of an `@app.cls` class).
def _mark(kind, **opts):
    def wrap(fn):
        fn._cpsl_handler = (kind, opts)
        return fn

    return wrap


def message(name=None, *, label=None):
    if callable(name):
        return _mark("message", name=None, label=None)(name)
    return _mark("message", name=name, label=label)


def data(name, *, access="public"):
    return _mark("data", name=name, access=access)


def endpoint(method="GET", path="/", authorized=True):
    return _mark("endpoint", method=method, path=path, authorized=authorized)


def boot(fn=None):
    return _decorator(fn, _mark("boot"))


def shutdown(fn=None):
    return _decorator(fn, _mark("shutdown"))


def enter(fn=None):
    return _decorator(fn, _mark("enter"))


def exit(fn=None):  # noqa: A001 - the SDK's name
    return _decorator(fn, _mark("exit"))


def _unavailable_mark(kind, consequence):
    def wrap(fn):
        warn_not_available(f"@cpsl.{kind}", consequence.format(name=getattr(fn, "__name__", kind)))
        return fn

    return wrap


def schedule(cron=None, **_):
    return _unavailable_mark("schedule", "'{name}' is registered but never runs locally")


def task(fn=None, **_):
    dec = _unavailable_mark("task", "'{name}' is registered but cannot be started locally")
    return dec(fn) if callable(fn) else dec


def action(name=None):
    dec = _unavailable_mark("action", "'{name}' is registered but never receives events locally")
    return dec(name) if callable(name) else dec
