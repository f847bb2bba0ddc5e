"""The recent history of each session as this runner was last sent it.

Over the runner link, an inbound message carries only the history items this runner was not sent
yet (`history_delta`, PROTOCOL.md "Runner link"), so that a long conversation costs the same per
message as a short one. This cache joins them to what it holds. Whatever it cannot join (a session
it forgot, a process that started since) makes the caller ask GetSession, whose whole tail then
refills the cache.
"""
from collections import OrderedDict

HISTORY_COUNT = 50
MAX_SESSIONS = 1000


class HistoryCache:
    def __init__(self, count=HISTORY_COUNT, max_sessions=MAX_SESSIONS):
        self._count = count
        self._max = max_sessions
        # session id -> (created_at, length, items): `items` are the last ones of the first
        # `length` items of the session created at `created_at`. Lists are never changed in
        # place: a handler may still read an older one.
        self._held = OrderedDict()

    def resolve(self, sid, snap):
        """The snapshot's history as the last `count` items, or None when a delta cannot be joined."""
        items = snap.get("history")
        if not isinstance(items, list):
            items = []
        created_at, length = snap.get("created_at"), snap.get("history_length")
        if not isinstance(length, int) or not isinstance(created_at, str):
            # An answer without the bookkeeping (an older emulator): usable, not cached.
            return None if snap.get("history_delta") else items
        if snap.get("history_delta"):
            held = self._held.get(sid)
            start = length - len(items)
            if held is None or held[0] != created_at or not (held[1] - len(held[2]) <= start <= held[1]):
                return None
            before = held[2][: len(held[2]) - (held[1] - start)]
            items = (before + items)[-self._count:]
        else:
            items = items[-self._count:]
        self._held[sid] = (created_at, length, items)
        self._held.move_to_end(sid)
        if len(self._held) > self._max:
            self._held.popitem(last=False)
        return items
