"""The SDK catalog (sdk-catalog.json), shared with the language server and the emulator.

The integration table, the known secret-form fields and the channel types live only there, so
the runtime reads them at import instead of keeping its own copy.
"""
import json
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def _candidates():
    env = os.environ.get("CAPSULE_CATALOG")
    if env:
        yield env
    # Source tree: emulator/python/cpsl -> catalog/; bundled: <dist>/python/cpsl -> <dist>/.
    yield os.path.join(_HERE, "..", "..", "..", "catalog", "sdk-catalog.json")
    yield os.path.join(_HERE, "..", "..", "catalog", "sdk-catalog.json")
    yield os.path.join(_HERE, "..", "sdk-catalog.json")
    yield os.path.join(_HERE, "..", "..", "sdk-catalog.json")


def _load():
    tried = []
    for path in _candidates():
        path = os.path.normpath(path)
        tried.append(path)
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                return json.load(f)
    raise ImportError(
        "cpsl (Capsule Local) could not find sdk-catalog.json; set CAPSULE_CATALOG to its path "
        "(looked in: " + ", ".join(tried) + ")"
    )


CATALOG = _load()
INTEGRATIONS = CATALOG["integrations"]
CHANNELS = CATALOG["channels"]
MODES = CATALOG["modes"]

# type -> required fields, for the secret-form integrations the SDK knows (tailscale, aws).
KNOWN_SECRET_INTEGRATIONS = {
    name: list(info.get("fields", []))
    for name, info in INTEGRATIONS.items()
    if info.get("mode") == MODES["secret"]
}


def env_map(integration_type):
    """Field -> environment variable exported when a secret-form integration is activated."""
    return dict(INTEGRATIONS.get(integration_type, {}).get("env", {}))


def always_scopes(integration_type):
    return list(INTEGRATIONS.get(integration_type, {}).get("alwaysScopes", []))
