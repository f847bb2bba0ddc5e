"""cpsl.Secret: environment first, then the process cache, then the resolver; the SDK's errors."""
import os
import unittest

import cpsl
from cpsl import secrets


class FakeResolver:
    def __init__(self, values):
        self.values = values
        self.asked = []

    def __call__(self, name):
        self.asked.append(name)
        if name in self.values:
            return {"ok": True, "value": self.values[name], "err_msg": ""}
        return {"ok": False, "value": "", "err_msg": "not defined locally"}


class SecretTests(unittest.TestCase):
    def setUp(self):
        secrets.clear_cache()
        secrets.set_resolver(None)
        self.addCleanup(secrets.set_resolver, None)
        self.addCleanup(secrets.clear_cache)
        for n in ("CPSL_TEST_A", "CPSL_TEST_B"):
            os.environ.pop(n, None)
            self.addCleanup(os.environ.pop, n, None)

    def test_basics(self):
        s = cpsl.Secret.from_name("OPENAI_API_KEY")
        self.assertEqual(s.name, "OPENAI_API_KEY")
        self.assertEqual(str(s), "Secret(OPENAI_API_KEY)")
        self.assertEqual(s.to_dict(), {"_secret_name": "OPENAI_API_KEY"})

    def test_no_name(self):
        with self.assertRaises(ValueError) as cm:
            cpsl.Secret.from_name("").value
        self.assertEqual(str(cm.exception), "Secret has no name")

    def test_no_runtime_connection(self):
        with self.assertRaises(ValueError) as cm:
            cpsl.Secret.from_name("CPSL_TEST_A").value
        self.assertEqual(str(cm.exception), "Secret 'CPSL_TEST_A' not found in environment and no runtime connection "
                                            "available. Are you inside a running app?")

    def test_environment_wins(self):
        resolver = FakeResolver({"CPSL_TEST_A": "from-resolver"})
        secrets.set_resolver(resolver)
        os.environ["CPSL_TEST_A"] = "from-env"
        self.assertEqual(cpsl.Secret.from_name("CPSL_TEST_A").value, "from-env")
        self.assertEqual(resolver.asked, [])

    def test_resolver_then_cache(self):
        resolver = FakeResolver({"CPSL_TEST_B": "resolved"})
        secrets.set_resolver(resolver)
        self.assertEqual(cpsl.Secret.from_name("CPSL_TEST_B").value, "resolved")
        self.assertEqual(cpsl.Secret.from_name("CPSL_TEST_B").value, "resolved")
        self.assertEqual(resolver.asked, ["CPSL_TEST_B"])

    def test_resolver_not_found(self):
        secrets.set_resolver(FakeResolver({}))
        with self.assertRaises(ValueError) as cm:
            cpsl.Secret.from_name("CPSL_TEST_A").value
        self.assertEqual(str(cm.exception), "secret 'CPSL_TEST_A' not found: not defined locally")

    def test_value_not_in_repr(self):
        secrets.set_resolver(FakeResolver({"CPSL_TEST_B": "hidden-value"}))
        s = cpsl.Secret.from_name("CPSL_TEST_B")
        s.value
        self.assertNotIn("hidden-value", repr(s) + str(s) + str(s.to_dict()))


if __name__ == "__main__":
    unittest.main()
