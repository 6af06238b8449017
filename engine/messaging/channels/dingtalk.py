"""DingTalk group robots (钉钉群机器人), with the signed-URL variant.

A robot set to "sign" (加签) needs ``timestamp`` (ms) and
``sign = urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")))``
on its URL; the secret comes from the channel secret by robot key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import quote_plus

from engine.messaging.channels.base import ChannelSettings, PermanentFailure
from engine.messaging.channels.robot import GroupRobotChannel, MsgType, Robot, robot_secrets

#: "send too fast" (发送速度太快而限流).
RATE_LIMITED = 130101


def signature(secret: str, timestamp_ms: int) -> str:
    """DingTalk's ``sign`` query value (already URL-encoded)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """``url`` with ``timestamp`` and ``sign`` appended."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp_ms}&sign={signature(secret, timestamp_ms)}"


class DingTalkChannel(GroupRobotChannel):
    key: ClassVar[str] = "dingtalk"
    label: ClassVar[Mapping[str, str]] = {"zh-CN": "钉钉群机器人", "en": "DingTalk group robot"}
    service: ClassVar[str] = "DingTalk"
    retry_codes: ClassVar[frozenset[int]] = frozenset({RATE_LIMITED})

    def payload(
        self, msgtype: MsgType, title: str, text: str, at_mobiles: Sequence[str], at_all: bool
    ) -> dict[str, Any]:
        at = {"atMobiles": list(at_mobiles), "isAtAll": at_all}
        if msgtype == "markdown":
            # DingTalk shows a mention only when the text carries "@mobile".
            mentions = " ".join(f"@{m}" for m in at_mobiles if f"@{m}" not in text)
            body = f"{text}\n\n{mentions}" if mentions else text
            return {
                "msgtype": "markdown",
                "markdown": {"title": title or text[:20], "text": body},
                "at": at,
            }
        content = f"{title}\n{text}" if title else text
        return {"msgtype": "text", "text": {"content": content}, "at": at}

    def robot_url(self, robot_key: str, robot: Robot, settings: ChannelSettings) -> str:
        if not robot.sign:
            return robot.url
        secret = robot_secrets(settings).get(robot_key)
        if not secret:
            raise PermanentFailure(
                f"the DingTalk robot {robot_key!r} signs but has no secret: a tenant admin sets it"
            )
        return signed_url(robot.url, secret, int(time.time() * 1000))


__all__ = ["DingTalkChannel", "signature", "signed_url"]
