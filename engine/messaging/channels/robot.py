"""What DingTalk's and WeCom's group robots share: a robot URL per group, a
text or markdown message with mentions, and an HTTP 200 answer whose JSON
``errcode`` says whether it was posted.

The recipient is either the key of a robot in the tenant's settings
(``config.robots = {"sales_group": {"url": ..., "sign": true}}``) or a literal
robot URL. ``render`` produces the exact JSON body the robot receives (what
an admin sees in the delivery); ``send`` posts it through ``net.post``.
"""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from engine.messaging import net
from engine.messaging.channels.base import (
    Channel,
    ChannelSettings,
    Message,
    PermanentFailure,
    Renderer,
    RetryableFailure,
    TemplateFailed,
)

MsgType = Literal["text", "markdown"]
MAX_TEXT = 4_000


class Robot(BaseModel):
    """One group's robot: its webhook URL and whether it signs (DingTalk)."""

    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=2_000)
    sign: bool = False

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        # Addresses are checked at each send, where the allowlist is known.
        if not url.startswith(("http://", "https://")):
            raise ValueError("a robot URL must start with http:// or https://")
        return url


class RobotsConfig(BaseModel):
    """A tenant's robots by key; signing secrets live in the channel secret
    as a JSON object ``{"sales_group": "SEC..."}``."""

    model_config = ConfigDict(extra="forbid")
    robots: dict[str, Robot] = Field(default_factory=dict)
    timeout_s: float = Field(default=10.0, gt=0, le=30)


def _is_url(recipient: str) -> bool:
    return recipient.startswith(("http://", "https://"))


class GroupRobotChannel(Channel):
    """A group robot; subclasses give the message format and the answer codes."""

    Config: ClassVar[type[RobotsConfig]] = RobotsConfig
    #: ``errcode`` values that mean "too fast, try later".
    retry_codes: ClassVar[frozenset[int]] = frozenset()
    #: The name shown in failures ("DingTalk").
    service: ClassVar[str]

    @abstractmethod
    def payload(
        self, msgtype: MsgType, title: str, text: str, at_mobiles: Sequence[str], at_all: bool
    ) -> dict[str, Any]:
        """The robot's JSON body for one message."""

    def robot_url(self, robot_key: str, robot: Robot, settings: ChannelSettings) -> str:
        """The URL to post to for a configured robot (DingTalk signs it)."""
        return robot.url

    def render(self, recipient: str, content: Mapping[str, Any], renderer: Renderer) -> Message:
        msgtype = content.get("msgtype", "text")
        if msgtype not in ("text", "markdown"):
            raise TemplateFailed(f"a {self.service} message is text or markdown, not {msgtype!r}")
        text_template = content.get("text")
        if not isinstance(text_template, str):
            raise TemplateFailed(f"a {self.service} message needs a text template")
        values = content.get("values") or {}
        title_template = content.get("title") or ""
        title = renderer(title_template, values).strip() if title_template else ""
        text = renderer(text_template, values).strip()
        if not text:
            raise TemplateFailed(f"the {self.service} message is empty")
        if len(text) > MAX_TEXT:
            raise TemplateFailed(f"the {self.service} message is longer than {MAX_TEXT} characters")
        mobiles = [str(m).strip() for m in content.get("at_mobiles") or [] if str(m).strip()]
        at_all = bool(content.get("at_all", False))
        body = self.payload(msgtype, title, text, mobiles, at_all)
        return Message(recipient=recipient.strip(), parts=body)

    def _url(self, recipient: str, settings: ChannelSettings, config: RobotsConfig) -> str:
        if _is_url(recipient):
            return recipient
        robot = config.robots.get(recipient)
        if robot is None:
            raise PermanentFailure(
                f"no {self.service} robot named {recipient!r}: a tenant admin adds it"
            )
        return self.robot_url(recipient, robot, settings)

    def send(self, message: Message, settings: ChannelSettings) -> str:
        try:
            config = self.Config.model_validate(dict(settings.config))
        except ValidationError as err:
            raise PermanentFailure(f"the {self.service} settings are not valid: {err}") from err
        url = self._url(message.recipient, settings, config)
        body = json.dumps(dict(message.parts), ensure_ascii=False).encode()
        answer = net.post(
            url,
            body=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
            allowed_hosts=settings.allowed_hosts,
            timeout_s=config.timeout_s,
        )
        try:
            result = json.loads(answer.body)
            code = int(result.get("errcode", 0))
            errmsg = str(result.get("errmsg", ""))
        except (ValueError, TypeError, AttributeError) as err:
            raise PermanentFailure(
                f"{self.service} answered something that is not its JSON: {answer.snippet()}",
                status_code=answer.status_code,
            ) from err
        if code in self.retry_codes:
            raise RetryableFailure(f"{self.service} is rate-limiting ({code}: {errmsg})")
        if code != 0:
            raise PermanentFailure(f"{self.service} refused the message ({code}: {errmsg})")
        return f"{self.service}: {errmsg or 'ok'}"


def robot_secrets(settings: ChannelSettings) -> dict[str, str]:
    """The channel secret read as ``{robot key: signing secret}``."""
    if not settings.secret:
        return {}
    try:
        found = json.loads(settings.secret)
    except ValueError as err:
        raise PermanentFailure("the robot secrets are not a JSON object") from err
    if not isinstance(found, dict):
        raise PermanentFailure("the robot secrets are not a JSON object")
    return {str(k): str(v) for k, v in found.items()}


__all__ = ["GroupRobotChannel", "Robot", "RobotsConfig", "robot_secrets"]
