"""Identities, messages and the context of data/endpoint calls."""
import asyncio
import json
import os
import urllib.parse
from dataclasses import dataclass, field


@dataclass
class UserInfo:
    id: str
    email: object = None
    org_id: object = None

    @property
    def owner_id(self):
        return f"org:{self.org_id}" if self.org_id else self.id


def org_id_from_owner_id(owner_id):
    if owner_id and owner_id.startswith("org:"):
        return owner_id[len("org:"):]
    return None


@dataclass
class Attachment:
    name: str = ""
    content_type: str = ""
    url: str = ""
    size: int = 0

    async def download(self, path=None):
        """Saves the attachment (default: its name in the current folder) and returns the path."""
        target = path or self.name or "attachment"
        if os.path.isdir(target):
            target = os.path.join(target, self.name or "attachment")

        import shutil
        import urllib.request  # only here: importing it costs every app's start

        def fetch():
            with urllib.request.urlopen(self.url, timeout=60) as r, open(target, "wb") as f:
                shutil.copyfileobj(r, f)
            return target

        return await asyncio.to_thread(fetch)


@dataclass
class Message:
    text: str = ""
    sender: str = "user"
    channel_type: str = "chat"
    timestamp: float = 0.0
    attachments: object = None


@dataclass
class Event:
    name: str = ""
    payload: dict = field(default_factory=dict)


class Request:
    """The raw request an `@app.endpoint` handler without `ctx` receives (aiohttp-like subset)."""

    def __init__(self, method, path, query, headers, body, match_info=None):
        self.method = method
        self.path = path
        self.query = query
        self.rel_url = path
        self.headers = headers
        self._body = body or b""
        self.match_info = match_info or {}
        self.can_read_body = bool(self._body)

    async def read(self):
        return self._body

    async def text(self):
        return self._body.decode("utf-8", "replace")

    async def json(self):
        return json.loads(self._body.decode("utf-8") or "null")

    async def post(self):
        return dict(urllib.parse.parse_qsl(self._body.decode("utf-8", "replace")))


@dataclass
class RequestContext:
    user: object = None
    integrations: dict = field(default_factory=dict)
    authenticated: bool = False
    request: object = None

    def pipedream(self, *args, **kwargs):
        from .errors import real_sdk_only

        raise real_sdk_only("ctx.pipedream()")


HomeContext = RequestContext
