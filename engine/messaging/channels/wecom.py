"""WeCom group robots (企业微信群机器人).

The robot's URL carries its key; there is no signing. Text messages mention
by mobile (``mentioned_mobile_list``, ``@all`` for everyone); markdown ones
cannot mention by mobile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from engine.messaging.channels.robot import GroupRobotChannel, MsgType

#: "api freq out of limit" and "system busy".
RATE_LIMITED = 45009
BUSY = -1


class WeComChannel(GroupRobotChannel):
    key: ClassVar[str] = "wecom"
    label: ClassVar[Mapping[str, str]] = {"zh-CN": "企业微信群机器人", "en": "WeCom group robot"}
    service: ClassVar[str] = "WeCom"
    retry_codes: ClassVar[frozenset[int]] = frozenset({RATE_LIMITED, BUSY})

    def payload(
        self, msgtype: MsgType, title: str, text: str, at_mobiles: Sequence[str], at_all: bool
    ) -> dict[str, Any]:
        if msgtype == "markdown":
            content = f"**{title}**\n{text}" if title else text
            return {"msgtype": "markdown", "markdown": {"content": content}}
        mentioned = [*at_mobiles, *(["@all"] if at_all else [])]
        body: dict[str, Any] = {"content": f"{title}\n{text}" if title else text}
        if mentioned:
            body["mentioned_mobile_list"] = mentioned
        return {"msgtype": "text", "text": body}


__all__ = ["WeComChannel"]
