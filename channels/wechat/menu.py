"""The custom menu from config: the JSON the platform wants, and the click keys mapped to intents.

See https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Creating_Custom-Defined_Menu.html
"""
from __future__ import annotations

from typing import Any, Iterable

from channels.wechat.settings import MenuButton


def click_intents(menu: Iterable[MenuButton]) -> dict[str, str]:
    """Click key → intent for every click button, sub-buttons included."""
    return {b.key: b.intent for top in menu for b in (top, *top.sub_buttons) if b.key and b.intent}


def menu_payload(menu: Iterable[MenuButton]) -> dict[str, Any]:
    """The `menu/create` body."""
    return {"button": [_button(b) for b in menu]}


def _button(button: MenuButton) -> dict[str, Any]:
    if button.sub_buttons:
        return {"name": button.name, "sub_button": [_button(b) for b in button.sub_buttons]}
    if button.url:
        return {"type": "view", "name": button.name, "url": button.url}
    return {"type": "click", "name": button.name, "key": button.key}
