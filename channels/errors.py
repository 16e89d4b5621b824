"""The channels' branch of the one error hierarchy: a messaging platform refused or could not be reached."""
from backend_client.errors import FrontDoorError


class ChannelError(FrontDoorError):
    """A channel's platform call failed; ``code`` is the platform's own error code."""

    def __init__(self, code: int | str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
