"""Errors of the service desk contract, carrying a stable code like the platform errors they mirror."""


class BackendError(Exception):
    """A service desk call failed; ``code`` is stable and machine-readable."""

    retryable = False

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class BackendUnavailable(BackendError):
    """The desk (its database or its HTTP API) cannot be reached; worth retrying later."""

    retryable = True

    def __init__(self, message: str):
        super().__init__("unavailable", message)


class NotFound(BackendError):
    """No such record (or not one this caller may see)."""

    def __init__(self, message: str):
        super().__init__("not_found", message)
