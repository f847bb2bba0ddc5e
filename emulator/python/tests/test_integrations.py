"""Integration configs, credentials and their wire forms."""
import json
import unittest

import cpsl
from cpsl import catalog
from cpsl.integrations import credentials_from_wire, integrations_from_wire


class Enum(unittest.TestCase):
    def test_members_and_constants(self):
        self.assertEqual(cpsl.Integration.GMAIL, "gmail")
        self.assertEqual(cpsl.Integration.GCAL.value, "gcal")
        self.assertEqual(cpsl.INTEGRATION_AWS, "aws")
        self.assertEqual(cpsl.MODE_OAUTH, "oauth")
        self.assertEqual(cpsl.MODE_SECRET, "secret")
        self.assertEqual(cpsl.MODE_PIPEDREAM, "pipedream")
        self.assertEqual({m.value for m in cpsl.Integration}, set(catalog.INTEGRATIONS))
        # A str enum: usable as a dict key next to plain strings.
        self.assertEqual({"gmail": 1}.get(cpsl.Integration.GMAIL), 1)
        self.assertEqual(cpsl.KNOWN_SECRET_INTEGRATIONS, {
            "tailscale": ["auth_key"], "aws": ["access_key_id", "secret_access_key", "region"]})


class Config(unittest.TestCase):
    def test_post_init(self):
        self.assertEqual(cpsl.IntegrationConfig(type=cpsl.Integration.GITHUB).type, "github")
        self.assertEqual(cpsl.IntegrationConfig(type="github").mode, "oauth")
        self.assertEqual(cpsl.IntegrationConfig(type="aws").mode, "secret")
        self.assertEqual(cpsl.IntegrationConfig(type="aws").fields, ["access_key_id", "secret_access_key", "region"])
        self.assertEqual(cpsl.IntegrationConfig(type="jira", fields=["a"]).mode, "secret")
        self.assertEqual(cpsl.IntegrationConfig(type="jira", mode="secret").fields, [])
        self.assertIsNone(cpsl.IntegrationConfig(type="github").fields)
        self.assertEqual(cpsl.IntegrationConfig(type="aws", fields=["x"]).fields, ["x"])

    def test_constructors(self):
        for name, t in [("Google", "google"), ("Gmail", "gmail"), ("GoogleCalendar", "gcal"), ("GoogleDrive", "gdrive"),
                        ("GitHub", "github"), ("Linear", "linear")]:
            c = getattr(cpsl, name)(client_id="i", client_secret="s")
            self.assertEqual((c.type, c.mode, c.scopes), (t, "oauth", []), name)
        self.assertEqual(cpsl.Tailscale().to_dict(), {"type": "tailscale", "mode": "secret", "fields": ["auth_key"]})
        self.assertEqual(cpsl.AWS().to_dict(), {"type": "aws", "mode": "secret", "fields": ["access_key_id", "secret_access_key", "region"]})
        with self.assertRaises(TypeError):
            cpsl.GitHub(client_id="only")

    def test_outlook_offline_access(self):
        self.assertEqual(cpsl.Outlook(client_id="i", client_secret="s").scopes, ["offline_access"])
        self.assertEqual(cpsl.Outlook(client_id="i", client_secret="s", scopes=["Mail.Read"]).scopes, ["Mail.Read", "offline_access"])
        self.assertEqual(cpsl.Outlook(client_id="i", client_secret="s", scopes=["offline_access", "Mail.Read"]).scopes,
                         ["offline_access", "Mail.Read"])
        # No default scopes anywhere else.
        self.assertEqual(cpsl.Gmail(client_id="i", client_secret="s").scopes, [])


class Credentials(unittest.TestCase):
    def test_bool(self):
        self.assertFalse(cpsl.IntegrationCredentials())
        self.assertTrue(cpsl.IntegrationCredentials(access_token="t"))
        self.assertTrue(cpsl.IntegrationCredentials(fields={"a": "b"}))
        self.assertEqual(cpsl.IntegrationCredentials().token_type, "Bearer")

    def test_repr_hides_values(self):
        r = repr(cpsl.IntegrationCredentials(access_token="gho_secretvalue", fields={"secret_access_key": "shh"}))
        self.assertNotIn("gho_secretvalue", r)
        self.assertNotIn("shh", r)

    def test_oauth_from_wire(self):
        c = credentials_from_wire({"type": "github", "access_token": "gho_x", "token_type": "", "scopes": ["repo"], "expires_at": 5})
        self.assertEqual((c.access_token, c.token_type, c.scopes, c.expires_at, c.fields), ("gho_x", "Bearer", ["repo"], 5, {}))

    def test_known_secret_from_wire(self):
        payload = json.dumps({"access_key_id": "AKIA1", "secret_access_key": "s", "region": "eu-west-1"})
        c = credentials_from_wire({"type": "aws", "access_token": payload, "token_type": "Bearer"})
        self.assertEqual(c.access_token, "")
        self.assertEqual(c.fields["region"], "eu-west-1")
        self.assertTrue(c)

    def test_custom_fields_from_wire(self):
        c = credentials_from_wire({"type": "jira", "access_token": json.dumps({"base_url": "u", "n": 3, "x": None}), "token_type": "fields"})
        self.assertEqual(c.fields, {"base_url": "u", "n": "3", "x": ""})
        # Without the "fields" token type, a custom type's token stays a token.
        raw = json.dumps({"a": "b"})
        self.assertEqual(credentials_from_wire({"type": "jira", "access_token": raw, "token_type": "Bearer"}).access_token, raw)

    def test_pipedream_from_wire(self):
        payload = {"access_token": "pd_tok", "token_type": "Bearer", "expires_at": "99", "account_id": "apn_1",
                   "app_slug": "notion", "provider": "pipedream"}
        c = credentials_from_wire({"type": "notion", "access_token": json.dumps(payload), "token_type": "pipedream"})
        self.assertEqual((c.access_token, c.token_type, c.expires_at), ("pd_tok", "Bearer", 99))
        self.assertEqual(c.fields["account_id"], "apn_1")

    def test_integrations_by_type(self):
        d = integrations_from_wire([{"type": "github", "access_token": "t"}, {"type": "", "access_token": "x"}])
        self.assertEqual(list(d), ["github"])
        self.assertIs(d.get(cpsl.Integration.GITHUB), d["github"])


if __name__ == "__main__":
    unittest.main()
