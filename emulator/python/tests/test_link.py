"""The runner link as the runtime speaks it (PROTOCOL.md, "Runner link"): fallback to HTTP,
malformed frames, error results, a link that drops (reconnect, failed calls, stop)."""
import json
import os
import threading
import time
import unittest

from .fake_gateway import FakeGateway
from .test_runner import APPS, session_snapshot, texts


def final(calls):
    return [b for m, b in calls if m == "SubmitResult" and b.get("done") and not b.get("block_json")][-1]


class LinkBehaviour(unittest.TestCase):
    def setUp(self):
        self.gw = None

    def tearDown(self):
        if self.gw is not None:
            self.gw.stop()

    def start(self, link=True, **kw):
        self.gw = FakeGateway(link=link)
        self.gw.start_runner("full_app.py:app", APPS, **kw)
        self.gw.wait_ready()
        return self.gw

    def turn(self, text, session="s1", rid=None, **kw):
        if session not in self.gw.sessions:
            self.gw.sessions[session] = session_snapshot(history=[{"text": text, "sender": "user"}])
        rid = rid or f"r-{len(self.gw.log)}"
        return self.gw.turn(session, text, rid, **kw)

    def test_register_and_turns_over_the_link(self):
        gw = self.start()
        self.assertEqual(gw.transports[0], ("Register", "link"))
        self.assertEqual(len(gw.links), 1)
        calls = self.turn("hello")
        self.assertEqual(texts(calls), ["echo: hello"])
        # The reply and the end of the turn arrive in order.
        sub = [b for m, b in calls if m == "SubmitResult"]
        self.assertEqual([(b["text"], b["done"]) for b in sub], [("echo: hello", False), ("", True)])

    def test_refused_link_falls_back_to_http(self):
        gw = self.start(link="refuse")
        self.assertEqual(gw.transports[0], ("Register", "http"))
        self.assertIn("refused the runner link (401): wrong or missing runner token; using HTTP", gw.stderr())
        self.assertEqual(texts(self.turn("hi")), ["echo: hi"])
        self.assertEqual({t for _m, t in gw.transports}, {"http"})

    def test_malformed_frames_from_the_gateway(self):
        gw = self.start()
        link = gw.wait_link()
        link.send_raw(b"this is no json\n")
        link.send_raw(b"[1, 2]\n")
        link.send_raw(b'{"t": "surprise"}\n')
        link.send_raw(b'{"t": "inbound", "message": 5}\n')
        link.send_raw(b'{"t": "result", "id": 999999, "result": {}}\n')  # nobody waits for it: ignored
        link.send_raw(b"\n")  # an empty line: nothing
        complaints = [link.frames.get(timeout=10) for _ in range(4)]
        self.assertTrue(all(f["t"] == "error" for f in complaints), complaints)
        reasons = " | ".join(f["error"] for f in complaints)
        self.assertIn("not valid JSON", reasons)
        self.assertIn("not a JSON object", reasons)
        self.assertIn("unknown frame type", reasons)
        self.assertIn('"message" is not a JSON object', reasons)
        self.assertEqual(texts(self.turn("still here")), ["echo: still here"])
        self.assertEqual(len(gw.links), 1, "the link stayed up")

    def test_oversized_frame_from_the_gateway_is_skipped(self):
        gw = self.start()
        link = gw.wait_link()
        big = json.dumps({"t": "inbound", "message": {"text": "x" * (17 * 1024 * 1024)}})
        link.send_raw(big.encode() + b"\n")
        f = link.frames.get(timeout=30)
        self.assertEqual(f["t"], "error")
        self.assertIn("exceeds 16 MiB", f["error"])
        self.assertEqual(texts(self.turn("after big")), ["echo: after big"])

    def test_error_result_raises_in_the_handler(self):
        gw = self.start()
        # No snapshot with the message and none the gateway knows: GetSession answers 404.
        calls = gw.turn("s-unknown", "hi", "r-unknown")
        self.assertIn("GetSession failed (404): unknown session", final(calls)["text"])
        self.assertIn(("GetSession", "link"), gw.transports)

    def test_link_drop_reconnects(self):
        gw = self.start()
        first = gw.wait_link()
        first.close()
        gw.wait_link(2)
        self.assertEqual(texts(self.turn("again")), ["echo: again"])
        self.assertEqual(gw.transports[-1], ("SubmitResult", "link"))
        self.assertIn("the runner link closed; reconnected", gw.stderr())
        self.assertIsNone(gw.proc.poll())

    def test_call_in_flight_fails_when_the_link_drops(self):
        gw = self.start()
        gw.held["github"] = threading.Event()
        gw.sessions["s-held"] = session_snapshot()
        gw.deliver({"request_id": "r-held", "session_id": "s-held", "user_id": "u1", "text": "github 30",
                    "session": gw.sessions["s-held"]})
        gw.wait_for("WaitForIntegration")
        gw.wait_link().close()
        end = gw.wait_for("SubmitResult", lambda b: b.get("request_id") == "r-held" and b.get("done") and not b.get("block_json"))
        self.assertIn("GatewayUnreachable", end["error"])
        self.assertIn("not reachable", end["text"])
        self.assertIn("WaitForIntegration: the runner link closed", end["text"])
        gw.held["github"].set()
        self.assertEqual(texts(self.turn("later")), ["echo: later"])

    def test_a_message_delivered_twice_is_handled_once(self):
        """The emulator sends a message again when the link it went over closed before its turn
        ended; the runtime knows it by its request id."""
        gw = self.start()
        self.assertEqual(texts(self.turn("once", rid="r-twice")), ["echo: once"])
        again = {"request_id": "r-twice", "session_id": "s1", "user_id": "u1", "text": "once",
                 "session": gw.sessions["s1"]}
        gw.deliver(dict(again))  # over the link
        status, _, _ = gw.request("POST", "/_capsule/inbound", dict(again))  # and over HTTP
        self.assertEqual(status, 202)
        self.assertEqual(texts(self.turn("next", rid="r-next")), ["echo: next"])
        replies = [b for m, b in gw.log if m == "SubmitResult" and b.get("request_id") == "r-twice" and b.get("text")]
        self.assertEqual([b["text"] for b in replies], ["echo: once"])

    def test_runner_stops_when_the_gateway_refuses_it_after_a_drop(self):
        gw = self.start()
        gw.accept_links = False
        gw.wait_link().close()
        self.assertEqual(gw.proc.wait(20), 0)
        self.assertIn("the runner link closed; the emulator refused the runner link (401)", gw.stderr())
        self.assertIn("stopping", gw.stderr())

    def test_runner_stops_when_the_gateway_is_gone(self):
        gw = self.start()
        link = gw.wait_link()
        gw.server.shutdown()
        gw.server.server_close()
        link.close()
        self.assertEqual(gw.proc.wait(30), 0)
        self.assertIn("cannot be reached", gw.stderr())

    def test_link_turned_off(self):
        gw = self.start(extra_env={"CAPSULE_RUNNER_LINK": "0"})
        self.assertEqual(gw.links, [])
        self.assertEqual(texts(self.turn("plain")), ["echo: plain"])
        self.assertEqual({t for _m, t in gw.transports}, {"http"})

    def test_many_sessions_at_once(self):
        gw = self.start()
        for i in range(40):
            sid = f"s-many-{i}"
            gw.sessions[sid] = session_snapshot()
            gw.deliver({"request_id": f"r-many-{i}", "session_id": sid, "user_id": "u1", "text": f"n{i}",
                        "session": gw.sessions[sid]})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            done = {b["request_id"] for m, b in list(gw.log) if m == "SubmitResult" and b.get("done")}
            if all(f"r-many-{i}" in done for i in range(40)):
                break
            time.sleep(0.02)
        replies = {b["request_id"]: b["text"] for m, b in list(gw.log) if m == "SubmitResult" and not b.get("done")}
        self.assertEqual([replies.get(f"r-many-{i}") for i in range(40)], [f"echo: n{i}" for i in range(40)])


if __name__ == "__main__":
    unittest.main()


class LinkOwnership(unittest.TestCase):
    """Only code on the link's own loop writes to it; a handler's worker thread goes through the
    loop (the check is made without asking for the running loop, a system call on 3.11)."""

    def test_usable_only_on_its_loop_while_it_runs(self):
        import asyncio
        import types

        from cpsl.link import RunnerLink

        def new_link(closing=False):
            transport = types.SimpleNamespace(write=lambda data: None, close=lambda: None, is_closing=lambda: closing)
            return RunnerLink(types.SimpleNamespace(link=None), transport, None, lambda message: None)

        seen = {}

        async def main():
            kept, closed, closing = new_link(), new_link(), new_link(closing=True)
            seen["on the loop"] = kept.usable()
            seen["from a worker thread"] = await asyncio.to_thread(kept.usable)
            closed.close()
            seen["once closed"] = closed.usable()
            seen["while its connection closes"] = closing.usable()
            return kept

        kept = asyncio.run(main())
        seen["after its loop stopped"] = kept.usable()
        self.assertEqual(seen, {"on the loop": True, "from a worker thread": False, "once closed": False,
                                "while its connection closes": False, "after its loop stopped": False})

    def test_frames_left_when_the_connection_closes_go_over_http_in_order(self):
        """A transport drops what is written to it once it closes; the link hands those frames to
        HTTP instead, and a call among them gets the HTTP answer."""
        import asyncio
        import types

        from cpsl.link import RunnerLink

        sent_over_http, written = [], []

        def http_call(method, body=None, timeout=30.0):
            sent_over_http.append((method, body))
            return {"answer": body.get("n")}

        async def main():
            state = {"closing": False}
            transport = types.SimpleNamespace(write=written.append, close=lambda: None,
                                              is_closing=lambda: state["closing"])
            link = RunnerLink(types.SimpleNamespace(link=None, call=http_call), transport, None, lambda m: None)
            link.cast("SubmitResult", {"n": 1})
            answer = link.post("GetSession", {"n": 2})
            link.cast("SubmitResult", {"n": 3})
            state["closing"] = True  # before the frames of this turn of the loop are flushed
            return await asyncio.wait_for(answer, 10)

        result = asyncio.run(main())
        deadline = time.monotonic() + 10  # the cast after the call leaves after its answer came
        while len(sent_over_http) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(written, [], "nothing was written to the closing connection")
        self.assertEqual(sent_over_http, [("SubmitResult", {"n": 1}), ("GetSession", {"n": 2}), ("SubmitResult", {"n": 3})])
        self.assertEqual(result, {"answer": 2})
