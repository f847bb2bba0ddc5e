"""Exceptions of the SDK, and the one error every unimplemented part raises."""
import warnings


class IntegrationTimeout(TimeoutError):
    """The user did not connect the integration before the prompt's timeout."""


class IntegrationDeclined(RuntimeError):
    """The user declined to connect the integration (or nobody can answer the prompt)."""


class FileUploadTimeout(TimeoutError):
    """The SDK's prompt_file timeout (prompt_file itself is not available locally)."""


class NotAvailableLocally(NotImplementedError):
    """A part of the SDK the local runtime does not emulate yet."""


def not_available(what):
    return NotAvailableLocally(
        f"{what} is not available in Capsule Local yet; it works on the hosted Capsule platform"
    )


def real_sdk_only(what):
    # Capsule Local emulates these for the real SDK (its gRPC gateway); this runtime does not speak it.
    return NotAvailableLocally(
        f"{what} is not available in the bundled runtime: serve the app with an interpreter that has "
        f"the cpsl SDK installed (pip install cpsl), and Capsule Local runs it against its local stand-in"
    )


def warn_not_available(what, consequence):
    # Declaring such a handler is legal SDK code, so import must succeed; but it must never look
    # as if it worked.
    warnings.warn(
        f"{what} is not available in Capsule Local yet: {consequence}",
        RuntimeWarning,
        stacklevel=3,
    )


class Unavailable:
    """Stands for an SDK name the local runtime lacks: importing it works, using it raises."""

    def __init__(self, what):
        self._what = what

    def __call__(self, *args, **kwargs):
        raise not_available(self._what)

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise not_available(f"{self._what}.{attr}")

    def __repr__(self):
        return f"<{self._what}: not available in Capsule Local yet>"
