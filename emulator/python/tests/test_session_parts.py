"""Pieces of the message path that need no emulator: identities, history, handler arguments."""
import asyncio
import unittest

import cpsl
from cpsl.binding import data_kwargs, message_args
from cpsl.runtime import _match_path, merge_history


class UserInfoTests(unittest.TestCase):
    def test_owner_id(self):
        self.assertEqual(cpsl.UserInfo("u1").owner_id, "u1")
        self.assertEqual(cpsl.UserInfo("u1", email="a@b", org_id="acme").owner_id, "org:acme")
        self.assertEqual(cpsl.org_id_from_owner_id("org:acme"), "acme")
        self.assertIsNone(cpsl.org_id_from_owner_id("u1"))


class HistoryTests(unittest.TestCase):
    def test_merge_and_strip(self):
        h = merge_history([
            {"text": "a", "sender": "user"}, {"text": "b", "sender": "user"}, {"text": "r", "sender": "app"},
            {"text": "s", "sender": "app"}, {"text": "now", "sender": "user"},
        ], "now")
        self.assertEqual([(m.sender, m.text) for m in h], [("user", "a\nb"), ("app", "r\ns")])

    def test_strip_from_merged_tail(self):
        h = merge_history([{"text": "r", "sender": "app"}, {"text": "x", "sender": "user"}, {"text": "now", "sender": "user"}], "now")
        self.assertEqual([(m.sender, m.text) for m in h], [("app", "r"), ("user", "x")])

    def test_other_tail_kept(self):
        h = merge_history([{"text": "r", "sender": "app"}], "now")
        self.assertEqual(len(h), 1)


class BindingTests(unittest.TestCase):
    def test_message_handler_shapes(self):
        s, m = cpsl.Session(id="s"), cpsl.Message(text="t")

        async def a(session, msg): pass
        async def b(message, session): pass
        async def c(x: cpsl.Message, y: cpsl.Session): pass
        async def d(x, y): pass
        async def e(session): pass
        async def f(msg): pass

        self.assertEqual(message_args(a, s, m), [s, m])
        self.assertEqual(message_args(b, s, m), [m, s])
        self.assertEqual(message_args(c, s, m), [m, s])
        self.assertEqual(message_args(d, s, m), [s, m])
        self.assertEqual(message_args(e, s, m), [s])
        self.assertEqual(message_args(f, s, m), [m])

    def test_data_kwargs(self):
        ctx = cpsl.RequestContext()

        def h(ctx, page="1"): pass
        def g(c: cpsl.RequestContext, session): pass

        self.assertEqual(data_kwargs(h, ctx, lambda: None, {"page": "2", "version_id": "v", "session_id": "s"}),
                         {"ctx": ctx, "page": "2"})
        self.assertEqual(set(data_kwargs(g, ctx, lambda: "S", {})), {"c", "session"})

    def test_path_match(self):
        self.assertEqual(_match_path("/hooks/build", "/hooks/build/"), {})
        self.assertIsNone(_match_path("/hooks/build", "/hooks"))
        self.assertEqual(_match_path("/items/{id}", "/items/42"), {"id": "42"})


class SessionLocal(unittest.TestCase):
    def test_stream_reply_outside_handler(self):
        with self.assertRaises(RuntimeError) as cm:
            cpsl.Session(id="s").stream_reply()
        self.assertEqual(str(cm.exception), "stream_reply is only available inside a message handler")

    def test_unavailable_methods(self):
        s = cpsl.Session(id="s")
        for name in ("show_browser", "prompt_file", "prompt_approval"):
            with self.subTest(name=name), self.assertRaises(NotImplementedError) as cm:
                getattr(s, name)()
            self.assertIn("is not available in Capsule Local yet", str(cm.exception))

    def test_pipedream_needs_the_real_sdk(self):
        # Capsule Local emulates Pipedream for the real SDK only: the message says so, naming the call.
        for call, what in ((lambda: cpsl.Session(id="s").pipedream("github"), "session.pipedream('github')"),
                           (lambda: cpsl.pipedream(cpsl.Pipedream("notion")), "cpsl.pipedream('notion')"),
                           (lambda: cpsl.RequestContext().pipedream("github"), "ctx.pipedream()")):
            with self.subTest(what=what), self.assertRaises(cpsl.NotAvailableLocally) as cm:
                call()
            self.assertEqual(str(cm.exception), f"{what} is not available in the bundled runtime: serve the app with an "
                             "interpreter that has the cpsl SDK installed (pip install cpsl), and Capsule Local runs it "
                             "against its local stand-in")

    def test_get_integration_normalizes(self):
        creds = cpsl.IntegrationCredentials(access_token="t")
        s = cpsl.Session(id="s", integrations={"gmail": creds})
        self.assertIs(s.get_integration(cpsl.Integration.GMAIL), creds)
        self.assertIs(s.get_integration(cpsl.Gmail(client_id="a", client_secret="b")), creds)
        self.assertIsNone(s.get_integration("github"))

    def test_prompt_without_gateway_declines(self):
        class Sink:
            async def acall(self, method, body, timeout=30):
                return {"ok": True}

        s = cpsl.Session(id="s", rpc=Sink(), request_id="r", in_message_handler=True)
        s._rpc = None  # the reply and block go nowhere; the wait has no gateway

        async def go():
            s._submit = lambda *a, **k: asyncio.sleep(0)
            await s.prompt_integration("github")

        with self.assertRaises(cpsl.IntegrationDeclined):
            asyncio.run(go())

    def test_kv_scope_validation(self):
        s = cpsl.Session(id="s", user=cpsl.UserInfo("u"))
        with self.assertRaises(ValueError):
            asyncio.run(s.get("k", scope="team"))

    def test_current_session_outside(self):
        self.assertIsNone(cpsl.current_session())


if __name__ == "__main__":
    unittest.main()
