"""The front door's one error hierarchy starts here (the base layer), with the desk contract's errors.

FrontDoorError -> ConfigError (bot.errors), ChannelError (channels.errors), BackendError(code, message).
"""


class FrontDoorError(Exception):
    """Base of the front door's own errors: anything else escaping a turn or a job is a bug."""


class BackendError(FrontDoorError):
    """A service desk call failed; ``code`` is stable and machine-readable."""

    retryable = False
    status = 500

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class BackendUnavailable(BackendError):
    """The desk (its database or its HTTP API) cannot be reached; worth retrying later."""

    retryable = True
    status = 503

    def __init__(self, message: str):
        super().__init__("unavailable", message)


class NotFound(BackendError):
    """No such record (or not one this caller may see)."""

    status = 404

    def __init__(self, message: str):
        super().__init__("not_found", message)


class Forbidden(BackendError):
    """The caller may not act on this record (another account's ticket)."""

    status = 403

    def __init__(self, message: str):
        super().__init__("forbidden", message)


class Conflict(BackendError):
    """The change breaks a rule (invalid transition, stale version); ``code`` names the rule."""

    status = 409


OTP_RATE_LIMITED = "otp.rate_limited"
"""The Conflict code of a one-time-code request over the desk's limits (per channel identity, per mobile)."""


class Invalid(BackendError):
    """The request itself is wrong (a field out of range, an unknown group)."""

    status = 422

    def __init__(self, message: str):
        super().__init__("invalid", message)


ERRORS_BY_STATUS = {cls.status: cls for cls in (NotFound, Forbidden, Invalid)}
"""How the HTTP client turns an API error back into the same exception."""
