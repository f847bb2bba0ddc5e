"""App declarations: validation errors of the SDK, serialized shapes, modes."""
import unittest
import warnings

import cpsl


def oauth_app():
    return cpsl.App("t", image=cpsl.Image())


class AddIntegrationValidation(unittest.TestCase):
    def test_config_combined_with_options(self):
        app = oauth_app()
        for kwargs in ({"client_id": "x"}, {"client_secret": "x"}, {"scopes": ["repo"]}, {"fields": []}):
            with self.subTest(kwargs=kwargs), self.assertRaises(ValueError) as cm:
                app.add_integration(cpsl.AWS(), **kwargs)
            self.assertIn("IntegrationConfig cannot be combined with", str(cm.exception))
        self.assertEqual(app.integrations, [])

    def test_secret_integration_with_client(self):
        with self.assertRaises(ValueError) as cm:
            oauth_app().add_integration("aws", client_id="id")
        self.assertEqual(str(cm.exception), "Secret integration 'aws' must not set client_id or client_secret")
        with self.assertRaises(ValueError) as cm:
            oauth_app().add_integration("jira", fields=["url"], client_secret="s")
        self.assertEqual(str(cm.exception), "Secret integration 'jira' must not set client_id or client_secret")

    def test_custom_secret_without_fields(self):
        with self.assertRaises(ValueError) as cm:
            oauth_app().add_integration(cpsl.IntegrationConfig(type="jira", mode="secret"))
        self.assertEqual(str(cm.exception), "Custom secret integration 'jira' requires fields")

    def test_oauth_without_client(self):
        for kwargs in ({}, {"client_id": "a"}, {"client_secret": "b"}):
            with self.subTest(kwargs=kwargs), self.assertRaises(ValueError) as cm:
                oauth_app().add_integration("github", **kwargs)
            self.assertEqual(str(cm.exception), "OAuth integration 'github' requires client_id and client_secret")
        # A custom type with empty fields is OAuth, so the OAuth rule applies.
        with self.assertRaises(ValueError) as cm:
            oauth_app().add_integration("jira", fields=[])
        self.assertEqual(str(cm.exception), "OAuth integration 'jira' requires client_id and client_secret")

    def test_pipedream_rules(self):
        app = oauth_app()
        with self.assertRaises(ValueError):
            app.add_integration(cpsl.IntegrationConfig(type="slack", mode="pipedream", scopes=["x"]))
        with self.assertRaises(ValueError):
            app.add_integration(cpsl.IntegrationConfig(type="slack", mode="pipedream", client_id="a"))
        with self.assertRaises(ValueError):
            cpsl.Pipedream("")
        with self.assertRaises(ValueError):
            cpsl.Pipedream("gmail", client_id="a", client_secret="b")
        self.assertEqual(cpsl.Pipedream("gmail").to_dict(), {"type": "gmail", "mode": "pipedream", "fields": []})
        full = cpsl.Pipedream("notion", client_id="a", client_secret="b", project_id=cpsl.Secret.from_name("PD_PROJECT"),
                              environment="development", connect_scopes=["a", "b"])
        self.assertEqual(full.to_dict()["fields"], ["project_id_secret:PD_PROJECT", "environment:development", "connect_scope:a b"])

    def test_order_config_check_first(self):
        # A secret-form config with options reports the combination, not the secret-form rule.
        with self.assertRaises(ValueError) as cm:
            oauth_app().add_integration(cpsl.AWS(), client_id="x")
        self.assertIn("IntegrationConfig cannot be combined", str(cm.exception))

    def test_valid_declarations_and_shapes(self):
        app = oauth_app()
        app.add_integration(cpsl.GitHub(client_id=cpsl.Secret.from_name("GITHUB_CLIENT_ID"),
                                        client_secret=cpsl.Secret.from_name("GITHUB_CLIENT_SECRET"), scopes=["repo"]))
        app.add_integration(cpsl.AWS())
        app.add_integration("jira", fields=["url", "token"])
        app.add_integration(cpsl.Integration.GMAIL, client_id="raw-id", client_secret="raw-secret")
        app.add_integration(cpsl.Integration.GMAIL, client_id="raw-id", client_secret="raw-secret")  # duplicates allowed
        self.assertEqual([c.to_dict() for c in app.integrations], [
            {"type": "github", "mode": "oauth", "scopes": ["repo"], "client_id_secret": "GITHUB_CLIENT_ID",
             "client_secret_secret": "GITHUB_CLIENT_SECRET"},
            {"type": "aws", "mode": "secret", "fields": ["access_key_id", "secret_access_key", "region"]},
            {"type": "jira", "mode": "secret", "fields": ["url", "token"]},
            {"type": "gmail", "mode": "oauth", "scopes": [], "client_id_secret": "raw-id", "client_secret_secret": "raw-secret"},
            {"type": "gmail", "mode": "oauth", "scopes": [], "client_id_secret": "raw-id", "client_secret_secret": "raw-secret"},
        ])
        # Client-id secrets are not app secrets.
        self.assertEqual(app._cpsl_config["secrets"], [])


class Modes(unittest.TestCase):
    def test_functional_decorators_require_image(self):
        app = cpsl.App("noimage")
        for name, use in [
            ("message", lambda: app.message()), ("endpoint", lambda: app.endpoint()),
            ("boot", lambda: app.boot(lambda: None)), ("shutdown", lambda: app.shutdown(lambda: None)),
            ("enter", lambda: app.enter(lambda s: None)), ("exit", lambda: app.exit(lambda: None)),
            ("schedule", lambda: app.schedule("* * * * *")),
        ]:
            with self.subTest(name=name), self.assertRaises(RuntimeError) as cm:
                use()
            self.assertIn("requires an image", str(cm.exception))
        # data() is not a functional decorator.
        app.data("x")(lambda: {})

    def test_cls_rules(self):
        with self.assertRaises(RuntimeError):
            cpsl.App("a", image=cpsl.Image()).cls(type("K", (), {}))
        app = cpsl.App("b")
        app.cls(type("K", (), {}))
        with self.assertRaises(RuntimeError):
            app.message()

    def test_class_style_handlers(self):
        app = cpsl.App("classy")

        @app.cls
        class Bot:
            @cpsl.message()
            async def on(self, session, msg):
                pass

            @cpsl.data("stats", access="authenticated")
            def stats(self):
                return {}

        config = app._cpsl_config
        self.assertTrue(config["has_message_handler"])
        self.assertEqual(config["data_sources"], [{"name": "stats", "access": "authenticated"}])
        self.assertEqual(config["class_name"], "Bot")
        app._bind_class()
        self.assertIn(None, app._message_handlers)

    def test_unavailable_decorators_warn(self):
        app = cpsl.App("w", image=cpsl.Image())
        with self.assertWarns(RuntimeWarning) as cm:
            @app.schedule("0 * * * *")
            def hourly():
                pass
        self.assertIn("not available in Capsule Local yet", str(cm.warning))
        self.assertEqual(app._cpsl_config["unavailable_handlers"], [{"kind": "schedule", "name": "hourly"}])
        with self.assertRaises(NotImplementedError) as cm2:
            app.workflow("w")
        self.assertIn("not available in Capsule Local yet", str(cm2.exception))
        with self.assertRaises(NotImplementedError):
            app.page("home")
        from cpsl import Client, ui  # importing works, using fails

        with self.assertRaises(NotImplementedError) as cm3:
            Client()
        self.assertIn("cpsl.Client is not available in Capsule Local yet", str(cm3.exception))
        with self.assertRaises(NotImplementedError):
            ui.Page
        with self.assertRaises(AttributeError):
            cpsl.NoSuchThing

    def test_class_style_unavailable_decorators_warn(self):
        with self.assertWarns(RuntimeWarning) as cm:
            @cpsl.schedule("0 0 * * *")
            def nightly(self):
                pass
        self.assertIn("@cpsl.schedule is not available in Capsule Local yet", str(cm.warning))
        self.assertTrue(callable(nightly))

    def test_config_shape(self):
        app = cpsl.App("cfg", image=cpsl.Image(python_packages=["x"]), channels=[cpsl.Channel("tg"), cpsl.Chat(), cpsl.API()],
                       secrets=["A"])

        @app.message("support", label="Support")
        async def support(session, msg):
            pass

        @app.data("d", access="authenticated")
        async def d(ctx):
            return {}

        @app.endpoint(method="post", path="/hook", authorized=False)
        async def hook(ctx):
            return {}

        c = app._cpsl_config
        self.assertEqual(c["app_name"], "cfg")
        self.assertEqual(c["image"], {"python_packages": ["x"], "apt_packages": [], "commands": []})
        self.assertEqual(c["channels"], [{"type": "_resource", "name": "tg"}, {"type": "chat"}, {"type": "api"}])
        self.assertEqual(c["secrets"], ["A"])
        self.assertEqual(c["data_sources"], [{"name": "d", "access": "authenticated"}])
        self.assertEqual(c["endpoints"], [{"method": "POST", "path": "/hook", "authorized": False}])
        self.assertEqual(c["message_handlers"], [{"name": "support", "label": "Support"}])
        self.assertTrue(c["has_message_handler"])


class DeprecatedChannels(unittest.TestCase):
    def test_serialized_with_warning_and_secrets_appended(self):
        app = cpsl.App("legacy", image=cpsl.Image(), secrets=["OWN"], channels=[
            cpsl.Telegram(bot_token="123:abc"),
            cpsl.Slack(bot_token=cpsl.Secret.from_name("SLACK_BOT_TOKEN"), signing_secret=cpsl.Secret.from_name("OWN")),
            cpsl.WhatsApp(access_token=cpsl.Secret.from_name("WA"), phone_number_id="1", verify_token=None),
        ])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            config = app._cpsl_config
        kinds = [w.category for w in caught]
        self.assertEqual(kinds.count(DeprecationWarning), 3)
        self.assertIn("cpsl.Channel", str(caught[0].message))
        self.assertEqual(config["channels"], [
            {"type": "telegram", "bot_token": "123:abc"},
            {"type": "slack", "bot_token": {"_secret_name": "SLACK_BOT_TOKEN"}, "signing_secret": {"_secret_name": "OWN"}},
            {"type": "whatsapp", "access_token": {"_secret_name": "WA"}, "phone_number_id": "1"},
        ])
        self.assertEqual(config["secrets"], ["OWN", "SLACK_BOT_TOKEN", "WA"])
        self.assertNotIn("123:abc", repr(app.channels[0]))

    def test_no_warning_for_named_channels(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cpsl.App("n", image=cpsl.Image(), channels=[cpsl.Channel("x")])._cpsl_config
        self.assertEqual([w for w in caught if w.category is DeprecationWarning], [])


if __name__ == "__main__":
    unittest.main()
