"""The history cache that joins `history_delta` snapshots (PROTOCOL.md, "Runner link")."""
import unittest

from cpsl.history_cache import HistoryCache


def items(*texts):
    return [{"text": t, "sender": "user" if i % 2 == 0 else "app"} for i, t in enumerate(texts)]


def snap(history, length, created="2026-01-01T00:00:00.000Z", delta=False):
    s = {"history": history, "history_length": length, "created_at": created}
    if delta:
        s["history_delta"] = True
    return s


def texts(history):
    return [h["text"] for h in history]


class HistoryCacheTests(unittest.TestCase):
    def test_a_delta_is_joined_to_the_tail_held(self):
        c = HistoryCache(count=4)
        self.assertEqual(texts(c.resolve("s", snap(items("a", "b", "c"), 3))), ["a", "b", "c"])
        self.assertEqual(texts(c.resolve("s", snap(items("d", "e"), 5, delta=True))), ["b", "c", "d", "e"])
        self.assertEqual(texts(c.resolve("s", snap(items("f"), 6, delta=True))), ["c", "d", "e", "f"])

    def test_a_delta_may_start_inside_what_is_held(self):
        # The runner was refreshed by GetSession after the gateway's last delta: the overlap is
        # taken from the delta, not doubled.
        c = HistoryCache(count=10)
        c.resolve("s", snap(items("a", "b", "c", "d"), 4))
        self.assertEqual(texts(c.resolve("s", snap(items("c", "d", "e"), 5, delta=True))), ["a", "b", "c", "d", "e"])

    def test_a_delta_that_cannot_be_joined_is_refused(self):
        c = HistoryCache(count=4)
        self.assertIsNone(c.resolve("new", snap(items("x"), 7, delta=True)), "nothing held")
        c.resolve("s", snap(items("a", "b"), 2))
        self.assertIsNone(c.resolve("s", snap(items("z"), 4, delta=True)), "a gap: item 3 was never sent")
        self.assertIsNone(c.resolve("s", snap(items("c"), 3, created="2026-02-02T00:00:00.000Z", delta=True)),
                          "another session under the same id")
        # What is held is unchanged by refusals.
        self.assertEqual(texts(c.resolve("s", snap(items("c"), 3, delta=True))), ["a", "b", "c"])

    def test_lists_handed_out_are_never_changed(self):
        c = HistoryCache(count=3)
        first = c.resolve("s", snap(items("a", "b"), 2))
        c.resolve("s", snap(items("c", "d"), 4, delta=True))
        self.assertEqual(texts(first), ["a", "b"])

    def test_least_recently_sent_sessions_are_forgotten(self):
        c = HistoryCache(count=3, max_sessions=2)
        for sid in ("s1", "s2", "s3"):
            c.resolve(sid, snap(items("a"), 1))
        self.assertIsNone(c.resolve("s1", snap(items("b"), 2, delta=True)))
        self.assertEqual(texts(c.resolve("s3", snap(items("b"), 2, delta=True))), ["a", "b"])

    def test_snapshots_without_bookkeeping_are_used_as_they_are(self):
        c = HistoryCache()
        self.assertEqual(texts(c.resolve("s", {"history": items("a")})), ["a"])
        self.assertIsNone(c.resolve("s", {"history": items("b"), "history_delta": True}))


if __name__ == "__main__":
    unittest.main()
