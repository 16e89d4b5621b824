"""The WeChat official-account channel: callback, rendering, de-duplication, customer-service API, menu."""
from channels.wechat.callback import WeChatChannel
from channels.wechat.settings import WeChatSettings, settings_from

__all__ = ["WeChatChannel", "WeChatSettings", "settings_from"]
