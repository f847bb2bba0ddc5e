"""The runtime takes its integration table from the catalog named by CAPSULE_CATALOG."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

from .fake_gateway import CATALOG, PYTHON_DIR


class CatalogTests(unittest.TestCase):
    def run_python(self, code, catalog_path):
        env = dict(os.environ, PYTHONPATH=PYTHON_DIR, CAPSULE_CATALOG=catalog_path)
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30)

    def test_integrations_come_from_the_catalog(self):
        with open(CATALOG, encoding="utf-8") as f:
            catalog = json.load(f)
        catalog["integrations"]["vault"] = {"enum": "VAULT", "config": "Vault", "mode": "secret", "fields": ["addr", "token"],
                                            "env": {"addr": "VAULT_ADDR", "token": "VAULT_TOKEN"}}
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "sdk-catalog.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(catalog, f)
            r = self.run_python("import cpsl; print(cpsl.Integration.VAULT.value, cpsl.INTEGRATION_VAULT, "
                                "cpsl.Vault().to_dict(), cpsl.KNOWN_SECRET_INTEGRATIONS['vault'])", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "vault vault {'type': 'vault', 'mode': 'secret', 'fields': ['addr', 'token']} ['addr', 'token']")


if __name__ == "__main__":
    unittest.main()
