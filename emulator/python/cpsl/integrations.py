"""Integration declarations and credentials, built from the catalog's integration table."""
import enum
import json
from dataclasses import dataclass, field

from . import catalog
from .secrets import secret_name_or_str

MODE_OAUTH = catalog.MODES["oauth"]
MODE_SECRET = catalog.MODES["secret"]
MODE_PIPEDREAM = catalog.MODES["pipedream"]

KNOWN_SECRET_INTEGRATIONS = catalog.KNOWN_SECRET_INTEGRATIONS

# cpsl.Integration(str, Enum): GOOGLE="google", ... in the catalog's order.
Integration = enum.Enum(
    "Integration",
    [(info["enum"], name) for name, info in catalog.INTEGRATIONS.items()],
    type=str,
    module=__name__,
)
Integration.__doc__ = "Integration types known to the SDK (a str enum: members compare equal to their wire names)."

# INTEGRATION_GOOGLE = "google", ...
INTEGRATION_CONSTANTS = {f"INTEGRATION_{m.name}": m.value for m in Integration}


def wire_type(t):
    """Integration | IntegrationConfig | str -> the wire string ("gmail")."""
    if isinstance(t, IntegrationConfig):
        return t.type
    if isinstance(t, Integration):
        return t.value
    return str(t)


@dataclass
class IntegrationConfig:
    type: object
    client_id: object = ""
    client_secret: object = ""
    scopes: list = field(default_factory=list)
    fields: object = None
    mode: str = ""

    def __post_init__(self):
        self.type = wire_type(self.type)
        self.scopes = list(self.scopes or [])
        if not self.mode:
            if self.fields or self.type in KNOWN_SECRET_INTEGRATIONS:
                self.mode = MODE_SECRET
            else:
                self.mode = MODE_OAUTH
        if self.mode == MODE_SECRET and self.fields is None:
            self.fields = list(KNOWN_SECRET_INTEGRATIONS.get(self.type, []))

    def to_dict(self):
        if self.mode == MODE_SECRET:
            return {"type": self.type, "mode": self.mode, "fields": list(self.fields or [])}
        if self.mode == MODE_PIPEDREAM:
            return {"type": self.type, "mode": self.mode, "fields": list(self.fields or [])}
        return {
            "type": self.type,
            "mode": self.mode,
            "scopes": list(self.scopes),
            "client_id_secret": secret_name_or_str(self.client_id),
            "client_secret_secret": secret_name_or_str(self.client_secret),
        }


def _oauth_constructor(type_name, config_name, always):
    def constructor(*, client_id, client_secret, scopes=None):
        scopes = list(scopes or [])
        for s in always:
            if s not in scopes:
                scopes.append(s)
        return IntegrationConfig(
            type=type_name, client_id=client_id, client_secret=client_secret, scopes=scopes, mode=MODE_OAUTH
        )

    constructor.__name__ = constructor.__qualname__ = config_name
    constructor.__doc__ = catalog.INTEGRATIONS[type_name].get("doc", "")
    return constructor


def _secret_constructor(type_name, config_name):
    def constructor():
        return IntegrationConfig(type=type_name, mode=MODE_SECRET)

    constructor.__name__ = constructor.__qualname__ = config_name
    constructor.__doc__ = catalog.INTEGRATIONS[type_name].get("doc", "")
    return constructor


# Google, Gmail, GoogleCalendar, GoogleDrive, Outlook, GitHub, Linear, Tailscale, AWS.
CONFIG_CONSTRUCTORS = {}
for _type, _info in catalog.INTEGRATIONS.items():
    if not _info.get("config"):
        continue
    if _info.get("mode") == MODE_SECRET:
        CONFIG_CONSTRUCTORS[_info["config"]] = _secret_constructor(_type, _info["config"])
    else:
        CONFIG_CONSTRUCTORS[_info["config"]] = _oauth_constructor(_type, _info["config"], catalog.always_scopes(_type))


def Pipedream(app_slug, *, client_id="", client_secret="", project_id="", environment="",
              api_base_url="", oauth_app_id="", connect_scopes=None):
    """Pipedream Connect integration config (declaring works; calling through the proxy does not locally)."""
    if not app_slug:
        raise ValueError("Pipedream integration requires an app_slug")
    byo = [client_id, client_secret, project_id]
    if any(byo) and not all(byo):
        raise ValueError(
            f"Pipedream integration '{app_slug}' with your own project requires client_id, client_secret and project_id"
        )
    fields = []
    if project_id:
        fields.append(f"project_id_secret:{secret_name_or_str(project_id)}")
    if environment:
        fields.append(f"environment:{environment}")
    if api_base_url:
        fields.append(f"api_base_url:{api_base_url}")
    if oauth_app_id:
        fields.append(f"oauth_app_id:{oauth_app_id}")
    if connect_scopes:
        fields.append("connect_scope:" + " ".join(connect_scopes))
    return IntegrationConfig(
        type=app_slug, client_id=client_id, client_secret=client_secret, fields=fields, mode=MODE_PIPEDREAM
    )


@dataclass
class IntegrationCredentials:
    access_token: str = ""
    token_type: str = "Bearer"
    scopes: list = field(default_factory=list)
    expires_at: int = 0
    fields: dict = field(default_factory=dict)

    def __bool__(self):
        return bool(self.access_token or self.fields)

    def __repr__(self):
        # Tokens and field values stay out of logs and tracebacks.
        return (
            f"IntegrationCredentials(token_type={self.token_type!r}, scopes={self.scopes!r}, "
            f"expires_at={self.expires_at!r}, fields={sorted(self.fields)!r}, "
            f"access_token={'<set>' if self.access_token else ''!r})"
        )


def _str(v):
    return "" if v is None else str(v)


def credentials_from_wire(wire):
    """IntegrationCredential {type, access_token, token_type, scopes, expires_at} -> credentials.

    The payload is a JSON object of fields when the type is a known secret-form one or the wire
    token_type is "fields" / "pipedream" (custom secret forms arrive as "fields").
    """
    wire = wire or {}
    t = _str(wire.get("type"))
    token_type = _str(wire.get("token_type"))
    access_token = _str(wire.get("access_token"))
    scopes = list(wire.get("scopes") or [])
    expires_at = int(wire.get("expires_at") or 0)
    if t in KNOWN_SECRET_INTEGRATIONS or token_type in ("fields", "pipedream"):
        try:
            payload = json.loads(access_token) if access_token else {}
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            fields = {str(k): _str(v) for k, v in payload.items()}
            if token_type == "pipedream":
                return IntegrationCredentials(
                    access_token=fields.get("access_token", ""),
                    token_type=fields.get("token_type", "") or "Bearer",
                    scopes=scopes,
                    expires_at=int(fields.get("expires_at") or 0),
                    fields=fields,
                )
            return IntegrationCredentials(access_token="", token_type="Bearer", scopes=scopes,
                                          expires_at=expires_at, fields=fields)
    return IntegrationCredentials(access_token=access_token, token_type=token_type or "Bearer",
                                  scopes=scopes, expires_at=expires_at, fields={})


def integrations_from_wire(items):
    out = {}
    for w in items or []:
        t = _str((w or {}).get("type"))
        if t:
            out[t] = credentials_from_wire(w)
    return out
