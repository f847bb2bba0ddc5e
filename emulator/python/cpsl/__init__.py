"""Capsule Local's `cpsl`: the SDK surface an app uses, run against the local emulator.

Everything the SDK knows about integrations and channels comes from the shared catalog
(sdk-catalog.json). Parts of the SDK this runtime does not emulate raise
"... is not available in Capsule Local yet" when used.
"""
import os as _os
import warnings as _warnings

if _os.environ.get("CAPSULE_TRACE_STARTUP") == "1":
    # `serve`'s start-up trace (docs/emulator.md), against the emulator's clock when it gave it.
    def _trace(step):
        import sys
        import time

        origin = float(_os.environ.get("CAPSULE_TRACE_ORIGIN") or "nan")
        at = f"+{time.time() * 1000 - origin:.1f} ms" if origin == origin else f"{time.time():.3f}"
        print(f"cpsl: startup {at}: {step}", file=sys.stderr, flush=True)

    _trace("import cpsl")
else:
    _trace = None

from .app import App, Image, action, boot, data, endpoint, enter, exit, message, schedule, shutdown, task
from .catalog import KNOWN_SECRET_INTEGRATIONS
from .channels import API, DEFAULT_CHANNEL_TYPE, Channel, ChannelRef, Chat, SessionChannel, Slack, Telegram, WhatsApp
from .context import Attachment, Event, HomeContext, Message, RequestContext, UserInfo, org_id_from_owner_id
from .errors import FileUploadTimeout, IntegrationDeclined, IntegrationTimeout, NotAvailableLocally, Unavailable as _Unavailable
from .integrations import (
    CONFIG_CONSTRUCTORS as _CONFIG_CONSTRUCTORS,
    INTEGRATION_CONSTANTS as _INTEGRATION_CONSTANTS,
    MODE_OAUTH,
    MODE_PIPEDREAM,
    MODE_SECRET,
    Integration,
    IntegrationConfig,
    IntegrationCredentials,
    Pipedream,
    credentials_from_wire,
)
from .secrets import Secret
from .session import ReplyStream, Session, SessionData, current_session

__version__ = "0.3.0+local"

# Google, Gmail, GoogleCalendar, ..., AWS and INTEGRATION_GOOGLE, ... from the catalog.
globals().update(_CONFIG_CONSTRUCTORS)
globals().update(_INTEGRATION_CONSTANTS)

# Deprecations raised while serializing an app are worth seeing in the app's log.
_warnings.filterwarnings("default", category=DeprecationWarning, module=r"cpsl(\.|$)")

if _trace:
    _trace("cpsl imported")
del _trace

_UNAVAILABLE = {
    "Client", "ui", "collection", "Column", "setting", "Workflow", "FileUpload", "Volume",
}


def pipedream(integration):
    """cpsl.pipedream(slug): Pipedream's proxy is the real SDK's gateway call (PipedreamProxy)."""
    from .errors import real_sdk_only
    from .integrations import wire_type

    raise real_sdk_only(f"cpsl.pipedream({wire_type(integration)!r})")


def __getattr__(name):
    if name in _UNAVAILABLE:
        # `from cpsl import Client` must not break the import; using it raises.
        return _Unavailable(f"cpsl.{name}")
    raise AttributeError(f"module 'cpsl' has no attribute '{name}'")


__all__ = [
    "App", "Image", "Channel", "ChannelRef", "Chat", "API", "Telegram", "Slack", "WhatsApp", "Secret",
    "Integration", "IntegrationConfig", "IntegrationCredentials", "Pipedream", "MODE_OAUTH",
    "MODE_SECRET", "MODE_PIPEDREAM", "KNOWN_SECRET_INTEGRATIONS", "Session", "SessionData",
    "ReplyStream", "Message", "Attachment", "Event", "RequestContext", "HomeContext", "UserInfo",
    "SessionChannel", "DEFAULT_CHANNEL_TYPE", "current_session", "IntegrationTimeout",
    "IntegrationDeclined", "FileUploadTimeout", "NotAvailableLocally", "credentials_from_wire", "org_id_from_owner_id",
    "message", "data", "endpoint", "boot", "shutdown", "enter", "exit", "schedule", "task", "action",
    *sorted(_CONFIG_CONSTRUCTORS), *sorted(_INTEGRATION_CONSTANTS),
]
