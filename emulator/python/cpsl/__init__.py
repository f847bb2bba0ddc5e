"""Capsule Local's `cpsl`: the SDK surface an app uses, run against the local emulator.

Everything the SDK knows about integrations and channels comes from the shared catalog
(sdk-catalog.json). Parts of the SDK this runtime does not emulate raise
"... is not available in Capsule Local yet" when used.
"""
import warnings as _warnings

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

_UNAVAILABLE = {
    "Client", "pipedream", "ui", "collection", "Column", "setting", "Workflow", "FileUpload", "Volume",
}


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
