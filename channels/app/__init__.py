"""The app channel: Rasa-shaped chat, pushed messages (WebSocket or poll), and who the app backend vouches for."""
from channels.app.auth import AuthSettings
from channels.app.channel import CHANNEL, AppChannel, AppSettings

__all__ = ["CHANNEL", "AppChannel", "AppSettings", "AuthSettings"]
