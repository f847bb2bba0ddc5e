"""Channels an app lists in `App(channels=[...])`."""
import warnings
from dataclasses import dataclass

from . import catalog
from .secrets import Secret

DEFAULT_CHANNEL_TYPE = "chat"


class Channel:
    """A named channel created with `capsule channel create` (the preferred form)."""

    def __init__(self, name):
        self.name = name

    def to_dict(self):
        return {"type": "_resource", "name": self.name}

    def __repr__(self):
        return f"Channel({self.name!r})"


ChannelRef = Channel


class Chat:
    def to_dict(self):
        return {"type": "chat"}


class API:
    def to_dict(self):
        return {"type": "api"}


def _serialize_value(v):
    return v.to_dict() if isinstance(v, Secret) else v


class _InlineChannel:
    """Deprecated inline channel: credentials written into the app definition."""

    _type = ""

    def _credential_keys(self):
        return list(catalog.CHANNELS[self._type]["credentials"])

    def to_dict(self):
        warnings.warn(
            f"cpsl.{type(self).__name__}(...) is deprecated: create a named channel with "
            f"`capsule channel create NAME --type {self._type}` and use cpsl.Channel(\"NAME\")",
            DeprecationWarning,
            stacklevel=2,
        )
        out = {"type": self._type}
        for key in self._credential_keys():
            v = getattr(self, key, None)
            if v is None or v == "":
                continue
            out[key] = _serialize_value(v)
        return out

    def secret_names(self):
        return [getattr(self, k).name for k in self._credential_keys() if isinstance(getattr(self, k, None), Secret)]


@dataclass(repr=False)  # credentials stay out of reprs
class Telegram(_InlineChannel):
    bot_token: object = None
    _type = "telegram"


@dataclass(repr=False)  # credentials stay out of reprs
class Slack(_InlineChannel):
    bot_token: object = None
    signing_secret: object = None
    _type = "slack"


@dataclass(repr=False)  # credentials stay out of reprs
class WhatsApp(_InlineChannel):
    access_token: object = None
    phone_number_id: object = None
    verify_token: object = None
    _type = "whatsapp"


@dataclass
class SessionChannel:
    type: str = DEFAULT_CHANNEL_TYPE

    @property
    def is_external(self):
        return self.type not in ("", "chat", "api")
