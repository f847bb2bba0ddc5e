"""The real runner (`python -m cpsl.runner`) driven through the protocol by a fake gateway."""
import json
import os
import subprocess
import sys
import unittest

from .fake_gateway import CATALOG, PYTHON_DIR, REPO, TOKEN, FakeGateway

APPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps")


def session_snapshot(user="u1", history=None, data_json="{}", integrations=None):
    return {"user_id": user, "user_email": f"{user}@example.com", "org_id": "", "owner_id": user,
            "channel_type": "chat", "data_json": data_json, "history": history or [], "integrations": integrations or []}


def texts(calls, method="SubmitResult"):
    return [b["text"] for m, b in calls if m == method and b.get("text") and not b.get("block_json")]


def blocks(calls):
    return [json.loads(b["block_json"]) for m, b in calls if m == "SubmitResult" and b.get("block_json")]


class RunnerProtocol(unittest.TestCase):
    """Over HTTP: the gateway offers no runner link (as an older emulator)."""
    LINK = False

    @classmethod
    def setUpClass(cls):
        cls.gw = FakeGateway(link=cls.LINK)
        cls.gw.secrets["LOCAL_ONLY"] = "resolved-by-gateway"
        cls.gw.start_runner("full_app.py:app", APPS, extra_env={"FULL_TOKEN": "injected-value"})

    @classmethod
    def tearDownClass(cls):
        cls.gw.stop()

    def turn(self, text, session="s-default", **kw):
        rid = f"r-{self._testMethodName}-{len(self.gw.log)}"
        if session not in self.gw.sessions:
            self.gw.sessions[session] = session_snapshot(history=[{"text": text, "sender": "user"}])
        return self.gw.turn(session, text, rid, **kw)

    def test_register_config(self):
        c = self.gw.registration["config"]
        self.assertEqual(self.gw.registration["app_id"], "test-app")
        self.assertEqual(self.gw.registration["version_id"], "v1")
        self.assertGreater(self.gw.registration["port"], 0)
        self.assertEqual(c["app_name"], "full")
        self.assertEqual(c["secrets"], ["FULL_TOKEN"])
        self.assertEqual([i["type"] for i in c["integrations"]], ["github", "aws", "jira"])
        self.assertEqual(c["data_sources"], [{"name": "public_info", "access": "public"},
                                             {"name": "whoami", "access": "authenticated"},
                                             {"name": "broken", "access": "public"}])
        self.assertEqual(c["endpoints"], [{"method": "POST", "path": "/hooks/build", "authorized": True},
                                          {"method": "GET", "path": "/plain", "authorized": False}])
        self.assertEqual(c["message_handlers"], [{"name": "support", "label": "Support"}, {"name": None, "label": None},
                                                    {"name": "plain", "label": None}])
        self.assertIn("booted", self.gw.stderr())

    def test_health_meta_and_token(self):
        self.assertEqual(self.gw.request("GET", "/health")[0], 200)
        status, _, body = self.gw.request("GET", "/_meta")
        self.assertEqual((status, json.loads(body)["app_name"]), (200, "full"))
        for token in (None, "wrong"):
            status, _, body = self.gw.request("GET", "/health", token=token)
            self.assertEqual(status, 401)
            self.assertIn("error", json.loads(body))

    def test_chunked_request_body(self):
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.gw.registration["port"], timeout=20)
        try:
            conn.request("POST", "/hooks/build", body=iter([b'{"ref":', b' "dev"}']),
                         headers={"Authorization": f"Bearer {TOKEN}", "Transfer-Encoding": "chunked",
                                  "X-Capsule-Authenticated": "true", "X-Capsule-User-Id": "u3"}, encode_chunked=True)
            r = conn.getresponse()
            self.assertEqual((r.status, json.loads(r.read())), (200, {"queued": True, "user": "u3", "body": {"ref": "dev"}}))
        finally:
            conn.close()

    def test_round_trip(self):
        calls = self.turn("hello", session="s-round")
        self.assertEqual(texts(calls), ["echo: hello"])
        sub = [b for m, b in calls if m == "SubmitResult"]
        self.assertEqual(sub[0]["done"], False)
        self.assertEqual(sub[-1], {"request_id": sub[-1]["request_id"], "session_id": "s-round", "text": "", "done": True, "block_json": ""})

    def test_transport(self):
        start = len(self.gw.transports)
        self.turn("kv", session="s-transport")
        used = {m: t for m, t in self.gw.transports[start:]}
        want = "link" if self.LINK else "http"
        self.assertEqual((used["SubmitResult"], used["KvSet"], used["KvGet"]), (want, want, want))
        self.assertEqual(self.gw.link is not None, self.LINK)
        # Secret.value is a blocking call (sync code, maybe on the loop's thread): always HTTP.
        start = len(self.gw.transports)
        self.turn(f"secret UNSEEN_{type(self).__name__}", session="s-transport")
        self.assertIn(("GetSecret", "http"), self.gw.transports[start:])

    def test_inbound_session_skips_get_session(self):
        snap = session_snapshot(history=[{"text": "hi", "sender": "user"}])
        calls = self.gw.turn("s-inline", "hi", "r-inline", session=snap)
        self.assertNotIn("GetSession", [m for m, _ in calls])
        self.assertEqual(texts(calls), ["echo: hi"])

    def test_stream_deltas(self):
        calls = self.turn("stream", session="s-stream")
        deltas = [b for m, b in calls if m == "SubmitResult" and b.get("stream")]
        self.assertEqual([d["text"] for d in deltas], ["one ", "two ", "three"])
        self.assertTrue(all(d["done"] is False for d in deltas))
        self.assertEqual(texts(calls)[-1], "streamed 'one two three'")

    def test_stream_reply_snapshots(self):
        calls = self.turn("snapshots", session="s-snap")
        self.assertEqual([b["text"] for m, b in calls if m == "SubmitResult" and b.get("stream")], ["Hel", "lo", ", world"])

    def test_notify(self):
        calls = self.turn("notify", session="s-notify")
        n = [b for m, b in calls if m == "NotifySession"]
        self.assertEqual(len(n), 1)
        self.assertEqual((n[0]["text"], n[0]["detail"], n[0]["external_delivery"], n[0]["app_id"]),
                         ("Thinking...", "step 1", True, "test-app"))
        self.assertEqual(texts(calls), ["done"])

    def test_handler_error_reported_and_runner_keeps_serving(self):
        calls = self.turn("boom", session="s-boom")
        final = [b for m, b in calls if m == "SubmitResult"][-1]
        self.assertEqual(final["text"], "Runner error: boom from the handler")
        self.assertEqual(final["error"], "ValueError: boom from the handler")
        self.assertTrue(final["done"])
        self.assertIn("Traceback", self.gw.stderr())
        self.assertEqual(texts(self.turn("after", session="s-boom")), ["echo: after"])

    def test_named_chat(self):
        self.assertEqual(texts(self.turn("hi", session="s-named", chat_name="support")), ["support got hi"])
        final = [b for m, b in self.turn("hi", session="s-named", chat_name="sales") if m == "SubmitResult"][-1]
        self.assertEqual(final["text"], "Runner error: Unknown chat surface 'sales'. Available named chats: support, plain")

    def test_action_refused_by_name(self):
        for action, feature in (("approve", "@app.action"), ("__session_init__", "@app.session")):
            final = [b for m, b in self.turn("", session="s-action", action_name=action, action_payload_json="{}")
                     if m == "SubmitResult"][-1]
            self.assertEqual(final["text"], f"Runner error: {feature} handlers run locally on the real SDK only; "
                             f"the bundled runtime cannot run {action!r} (install cpsl in the app's environment)")
            self.assertTrue(final["error"].startswith("NotAvailableLocally: "))

    def test_plain_def_handler(self):
        self.gw.sessions["s-plain"] = session_snapshot(user="u-plain")
        calls = self.turn("hi", session="s-plain", chat_name="plain", user_id="u-plain")
        self.assertEqual([b["text"] for m, b in calls if m == "SubmitResult" and not b.get("stream") and b["text"]],
                         ["plain got hi", "count 1 same True"])
        self.assertEqual([b["text"] for m, b in calls if m == "SubmitResult" and b.get("stream")], ["a", "b", "x", "y"])
        self.assertEqual(json.loads([b for m, b in calls if m == "SaveSessionData"][-1]["data_json"]), {"plain": 1})

    def test_history_merged_and_stripped(self):
        self.gw.sessions["s-hist"] = session_snapshot(history=[
            {"text": "a", "sender": "user"}, {"text": "b", "sender": "user"}, {"text": "r", "sender": "app"},
            {"text": "history", "sender": "user"}])
        self.assertEqual(texts(self.turn("history", session="s-hist")), ["user:a\nb | app:r"])

    def test_history_delta_joined_or_fetched(self):
        created = "2026-01-01T00:00:00.000Z"
        first = [{"text": "a", "sender": "user"}, {"text": "r", "sender": "app"}, {"text": "history", "sender": "user"}]
        self.gw.sessions["s-delta"] = session_snapshot(history=first)
        full = dict(self.gw.sessions["s-delta"], created_at=created, history_length=3)
        self.assertEqual(texts(self.gw.turn("s-delta", "history", "r-delta-1", session=full)), ["user:a | app:r"])
        # Only what is new: the reply and this message (GetSession would answer all of it).
        new = [{"text": "user:a | app:r", "sender": "app"}, {"text": "history", "sender": "user"}]
        self.gw.sessions["s-delta"]["history"] = first + new
        delta = dict(full, history=new, history_length=5, history_delta=True)
        calls = self.gw.turn("s-delta", "history", "r-delta-2", session=delta)
        if self.LINK:  # over HTTP the message may arrive before the last turn counted as finished
            self.assertNotIn("GetSession", [m for m, _ in calls])
        self.assertEqual(texts(calls), ["user:a | app:r | user:history | app:user:a | app:r"])
        # A delta of another session under the same id cannot be joined: GetSession is asked.
        self.gw.sessions["s-delta"] = session_snapshot(history=[{"text": "fresh", "sender": "app"}, {"text": "history", "sender": "user"}])
        other = dict(delta, created_at="2026-02-02T00:00:00.000Z", history_length=9)
        calls = self.gw.turn("s-delta", "history", "r-delta-3", session=other)
        self.assertIn("GetSession", [m for m, _ in calls])
        self.assertEqual(texts(calls), ["app:fresh"])

    def test_identity_and_current_session(self):
        self.gw.sessions["s-who"] = session_snapshot(user="u9")
        out = texts(self.turn("whoami", session="s-who", user_id="u9", org_id="acme", owner_id="org:acme"))[0]
        self.assertTrue(out.startswith("u9 org:acme chat same True"), out)
        self.assertIn("enter s-who", out)

    def test_session_data_persisted(self):
        self.gw.sessions["s-data"] = session_snapshot(data_json=json.dumps({"n": 4}))
        calls = self.turn("count", session="s-data")
        self.assertEqual(texts(calls), ["count 5"])
        saves = [b for m, b in calls if m == "SaveSessionData"]
        self.assertTrue(saves)
        self.assertEqual(json.loads(saves[-1]["data_json"]), {"n": 5, "log": [5]})
        # The next turn starts from the saved data (the fake gateway stores it).
        self.assertEqual(texts(self.turn("count", session="s-data")), ["count 6"])

    def test_queued_turn_reads_fresh_session(self):
        # Two messages of one session delivered together: the second runs after the first and
        # must see its saved data, not the snapshot taken when it was delivered.
        snap = session_snapshot(data_json=json.dumps({"n": 0}))
        self.gw.sessions["s-queue"] = json.loads(json.dumps(snap))
        for rid in ("q1", "q2"):
            msg = {"request_id": rid, "session_id": "s-queue", "user_id": "u1", "text": "slowcount", "session": snap}
            self.gw.deliver(msg)
        for rid, want in (("q1", "count 1"), ("q2", "count 2")):
            body = self.gw.wait_for("SubmitResult", lambda b, rid=rid: b.get("request_id") == rid and b.get("text"))
            self.assertEqual(body["text"], want)

    def test_initial_data_for_new_session(self):
        self.gw.sessions["s-init"] = session_snapshot(data_json="")
        calls = self.turn("count", session="s-init", initial_data_json=json.dumps({"n": 10}))
        self.assertEqual(texts(calls), ["count 11"])

    def test_kv_scopes(self):
        self.gw.sessions["s-kv"] = session_snapshot(user="u7")
        calls = self.turn("kv", session="s-kv", user_id="u7", owner_id="org:team", org_id="team")
        self.assertEqual(texts(calls), ["['session', 'user', 'owner', 'app'] after delete None"])
        sets = [(b["scope"], b["scope_id"]) for m, b in calls if m == "KvSet"]
        self.assertEqual(sets, [("session", "s-kv"), ("user", "u7"), ("owner", "org:team"), ("app", "test-app")])

    def test_prompt_connected(self):
        self.gw.integration_answers["github"] = {"timed_out": False, "connected": True, "credential": {
            "type": "github", "access_token": "gho_local", "token_type": "Bearer", "scopes": ["repo"], "expires_at": 0}}
        calls = self.turn("github", session="s-gh")
        self.assertEqual(texts(calls), ["Connect GitHub", "github Bearer repo stored True"])
        b = blocks(calls)[0]
        self.assertEqual(b["type"], "integration_prompt")
        self.assertEqual(b["payload"], {"type": "github", "reason": "", "blocking": True, "mode": "oauth"})
        self.assertTrue(b["id"].startswith("blk_"))
        wait = [x for m, x in calls if m == "WaitForIntegration"][0]
        self.assertEqual((wait["integration_type"], wait["timeout_seconds"], wait["session_id"]), ("github", 30, "s-gh"))
        self.assertNotIn("gho_local", self.gw.stderr())

    def test_prompt_returns_existing(self):
        self.gw.sessions["s-gh2"] = session_snapshot(integrations=[
            {"type": "github", "access_token": "gho_x", "token_type": "Bearer", "scopes": ["repo", "user"], "expires_at": 0}])
        calls = self.turn("github", session="s-gh2")
        self.assertEqual(texts(calls), ["github Bearer repo user stored True"])
        self.assertNotIn("WaitForIntegration", [m for m, _ in calls])

    def test_prompt_declined_and_timed_out(self):
        self.gw.integration_answers["github"] = {"timed_out": False, "connected": False}
        self.assertEqual(texts(self.turn("github", session="s-dec"))[-1], "github declined")
        self.gw.integration_answers["github"] = {"timed_out": True, "connected": False}
        self.assertEqual(texts(self.turn("github 2", session="s-to"))[-1], "github timed out")

    def test_aws_export(self):
        fields = {"access_key_id": "AKIALOCAL", "secret_access_key": "not-printed", "region": "eu-west-1"}
        self.gw.integration_answers["aws"] = {"timed_out": False, "connected": True, "credential": {
            "type": "aws", "access_token": json.dumps(fields), "token_type": "fields", "scopes": [], "expires_at": 0}}
        calls = self.turn("aws", session="s-aws")
        self.assertEqual(texts(calls), ["Keys please", "aws eu-west-1 env eu-west-1 AKIALOCAL"])
        self.assertEqual(blocks(calls)[0]["payload"], {"type": "aws", "reason": "", "blocking": True, "mode": "secret"})
        self.assertNotIn("not-printed", self.gw.stderr())

    def test_custom_secret_prompt(self):
        self.gw.integration_answers["jira"] = {"timed_out": False, "connected": True, "credential": {
            "type": "jira", "access_token": json.dumps({"base_url": "https://jira.local"}), "token_type": "fields"}}
        calls = self.turn("jira", session="s-jira")
        self.assertEqual(texts(calls), ["jira https://jira.local"])
        self.assertEqual(blocks(calls)[0]["payload"]["mode"], "secret")

    def test_show_integration(self):
        calls = self.turn("show", session="s-show")
        self.assertEqual(blocks(calls)[0]["payload"], {"type": "github", "reason": "optional", "blocking": False})
        self.assertEqual(texts(calls), ["shown"])

    def test_image_and_title_blocks(self):
        calls = self.turn("image", session="s-img")
        b = blocks(calls)
        self.assertEqual(b[0]["payload"], {"url": "https://example.com/a.png", "alt": "chart", "width": 200})
        self.assertTrue(b[1]["payload"]["url"].startswith("data:image/gif;base64,R0lGOD"))
        self.assertEqual((b[2]["type"], b[2]["payload"]), ("session_title", {"title": "Charts"}))

    def test_unavailable_method_fails_loudly(self):
        final = [b for m, b in self.turn("unavailable", session="s-na") if m == "SubmitResult"][-1]
        self.assertEqual(final["text"], "Runner error: session.prompt_file() is not available in Capsule Local yet; "
                                        "it works on the hosted Capsule platform")

    def test_secrets(self):
        self.assertEqual(texts(self.turn("secret FULL_TOKEN", session="s-sec")), ["FULL_TOKEN has 14 characters"])
        calls = self.turn("secret LOCAL_ONLY", session="s-sec")
        self.assertEqual(texts(calls), ["LOCAL_ONLY has 19 characters"])
        self.assertIn("GetSecret", [m for m, _ in calls])
        final = [b for m, b in self.turn("secret MISSING_ONE", session="s-sec") if m == "SubmitResult"][-1]
        self.assertTrue(final["text"].startswith("Runner error: secret 'MISSING_ONE' not found: not defined locally"), final)
        self.assertNotIn("resolved-by-gateway", self.gw.stderr())

    def test_data(self):
        auth = {"X-Capsule-Authenticated": "true", "X-Capsule-User-Id": "u1", "X-Capsule-Email": "u1@example.com",
                "X-Capsule-Org-Id": "org:acme"}
        status, _, body = self.gw.request("GET", "/data/whoami")
        self.assertEqual((status, json.loads(body)), (401, {"error": "authentication_required"}))
        self.gw.user_integrations = [{"type": "github", "access_token": "t", "token_type": "Bearer", "scopes": [], "expires_at": 0}]
        status, _, body = self.gw.request("GET", "/data/whoami", headers=auth)
        self.assertEqual((status, json.loads(body)), (200, {"user": "u1", "email": "u1@example.com", "owner": "org:acme", "github": True}))
        status, _, body = self.gw.request("GET", "/data/public_info?page=3&version_id=v&session_id=s")
        self.assertEqual((status, json.loads(body)), (200, {"public": True, "page": "3"}))
        status, _, body = self.gw.request("GET", "/data/broken")
        self.assertEqual((status, json.loads(body)), (500, {"error": "data went wrong"}))
        self.assertEqual(self.gw.request("GET", "/data/nope")[0], 404)

    def test_endpoints(self):
        status, _, body = self.gw.request("POST", "/hooks/build", {"ref": "main"})
        self.assertEqual((status, json.loads(body)), (401, {"error": "unauthorized"}))
        status, _, body = self.gw.request("POST", "/hooks/build", {"ref": "main"},
                                          headers={"X-Capsule-Authenticated": "true", "X-Capsule-User-Id": "u2"})
        self.assertEqual((status, json.loads(body)), (200, {"queued": True, "user": "u2", "body": {"ref": "main"}}))
        status, ctype, body = self.gw.request("GET", "/plain?q=x")
        self.assertEqual((status, body), (200, "plain x"))
        self.assertTrue(ctype.startswith("text/plain"))
        self.assertEqual(self.gw.request("GET", "/hooks/build")[0], 405)
        self.assertEqual(self.gw.request("GET", "/nowhere")[0], 404)


class RunnerProtocolOverLink(RunnerProtocol):
    """The same protocol tests with the runner link: inbound frames and calls over one connection."""
    LINK = True


class RunnerLifecycle(unittest.TestCase):
    def test_import_error_exit_3(self):
        gw = FakeGateway()
        try:
            proc = gw.start_runner("broken_app.py:app", APPS, wait=False)
            self.assertEqual(proc.wait(20), 3)
            self.assertTrue(gw.registered.wait(5))
            self.assertIn("RuntimeError", gw.registration["error"])
            self.assertIn("requires an image", gw.registration["error"])
            self.assertIn("Traceback", gw.registration["traceback"])
        finally:
            gw.stop()
        self.assertIn("requires an image", gw.stderr())

    def test_missing_symbol_exit_3(self):
        gw = FakeGateway()
        try:
            proc = gw.start_runner("full_app.py:nothing", APPS, wait=False)
            self.assertEqual(proc.wait(20), 3)
            self.assertTrue(gw.registered.wait(5))
            self.assertIn("has no attribute 'nothing'", gw.registration["error"])
        finally:
            gw.stop()

    def test_module_entry_and_no_handler(self):
        gw = FakeGateway()
        try:
            gw.start_runner("no_handler_app:app", APPS)
            self.assertFalse(gw.registration["config"]["has_message_handler"])
            gw.sessions["s"] = session_snapshot()
            final = [b for m, b in gw.turn("s", "hi", "r1") if m == "SubmitResult"][-1]
            self.assertIn("no default message handler", final["text"])
        finally:
            gw.stop()

    def test_entry_file_named_like_a_standard_module(self):
        gw = FakeGateway()
        try:
            gw.start_runner("types.py:app", os.path.join(APPS, "clash"))
            gw.sessions["s"] = session_snapshot()
            self.assertEqual(texts(gw.turn("s", "hi", "r1")), ["clash ok"])
        finally:
            gw.stop()

    def test_shutdown_runs_hooks_and_exits(self):
        gw = FakeGateway()
        try:
            proc = gw.start_runner("full_app.py:app", APPS)
            status, _, _ = gw.request("POST", "/_capsule/shutdown", {})
            self.assertEqual(status, 200)
            self.assertEqual(proc.wait(20), 0)
        finally:
            gw.stop()
        self.assertIn("shutdown hook ran", gw.stderr())

    def test_stdin_eof_stops_runner(self):
        gw = FakeGateway()
        try:
            proc = gw.start_runner("full_app.py:app", APPS)
            proc.stdin.close()
            self.assertEqual(proc.wait(20), 0)
        finally:
            gw.stop()

    def test_output_through_log_rpc(self):
        gw = FakeGateway()
        try:
            gw.start_runner("full_app.py:app", APPS, extra_env={"CAPSULE_LOG_RPC": "1"})
            body = gw.wait_for("Log", lambda b: any(r["text"] == "booted" for r in b["records"]))
            self.assertIn({"stream": "stdout", "text": "booted"}, body["records"])
            gw.sessions["s"] = session_snapshot()
            gw.turn("s", "boom", "r1")
            gw.wait_for("Log", lambda b: any(r["stream"] == "stderr" and "ValueError: boom" in r["text"] for r in b["records"]))
        finally:
            gw.stop()
        self.assertIn("booted", gw.stderr())  # still on the process's own stdout too

    def test_unreachable_gateway(self):
        env = dict(os.environ, PYTHONPATH=PYTHON_DIR, CAPSULE_GATEWAY_URL="http://127.0.0.1:9", CAPSULE_RUNNER_TOKEN=TOKEN,
                   CAPSULE_CATALOG=CATALOG)
        r = subprocess.run([sys.executable, "-m", "cpsl.runner", "full_app.py:app"], cwd=APPS, env=env,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 4)
        self.assertIn("not reachable at http://127.0.0.1:9", r.stderr)


class Examples(unittest.TestCase):
    """The example apps import and register under the local runtime."""

    def test_examples_register(self):
        expected = {
            "support-ops": ["gmail", "aws"],
            "repo-analyst": ["github", "aws", "jira"],
            "legacy-bot": [],
        }
        for name, integrations in expected.items():
            with self.subTest(example=name):
                gw = FakeGateway()
                try:
                    gw.start_runner("app.py:app", os.path.join(REPO, "examples", name))
                    config = gw.registration["config"]
                    self.assertEqual(config["app_name"], name)
                    self.assertEqual([i["type"] for i in config["integrations"]], integrations)
                    self.assertTrue(config["has_message_handler"])
                    gw.sessions["s"] = session_snapshot()
                    self.assertTrue(texts(gw.turn("s", "hello", "r1")))
                finally:
                    gw.stop()
                if name == "legacy-bot":
                    self.assertIn("DeprecationWarning", gw.stderr())


if __name__ == "__main__":
    unittest.main()
