"""Effects that leave the machine: email, SMS, webhooks, DingTalk and WeCom robots.

They only enqueue: each message becomes a delivery (``engine.messaging``),
queued in the write's transaction and sent by the job ``messaging.deliver``
with retries, so a slow or failing receiver never blocks or undoes the
write. Templates (Jinja2, rendered in the sandbox at delivery) read the
record's display values: ``{{ record.company }}``, ``{{ old.status }}``,
``{{ raw.amount }}``, ``{{ id }}``, ``{{ entity }}``, ``{{ rule }}``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar, Literal

from pydantic import Field

from engine.messaging import Outbound, queue
from engine.messaging.net import check_url
from engine.rules.base import CheckContext, Effect, Issue, RuleRun, Settings
from engine.rules.display import Reads, fields_read, template_values
from engine.rules.recipients import AddressKind, Recipients, addresses_of, check_recipients
from engine.templating import check as check_template

#: Characters of one template.
MAX_TEMPLATE_CHARS = 20_000
Template = str


def _templates(config: Settings, names: Sequence[str], path: str) -> Iterator[Issue]:
    for name in names:
        text = getattr(config, name, None)
        if text is None:
            continue
        if len(text) > MAX_TEMPLATE_CHARS:
            yield f"{path}.{name}", f"is longer than {MAX_TEMPLATE_CHARS} characters"
            continue
        problem = check_template(text)
        if problem is not None:
            yield f"{path}.{name}", problem


class Outgoing(Effect):
    """What the outbound effects share: templates checked at publish, one queue per batch."""

    leaves_machine = True
    channel: ClassVar[str]
    templates: ClassVar[tuple[str, ...]] = ()

    def check(self, cc: CheckContext, path: str) -> Iterator[Issue]:
        yield from _templates(self.config, self.templates, path)

    @abstractmethod
    def recipients(self, run: RuleRun) -> list[str]:
        """Whom this run's message goes to: addresses, numbers, a URL or a robot."""

    def reads(self, run: RuleRun) -> Reads | None:
        """The record's fields the templates read (None: all, as a webhook sends)."""
        if not self.templates:
            return None
        cached = getattr(self, "_reads", None)
        if cached is None:
            texts = [getattr(self.config, name, None) for name in self.templates]
            cached = self._reads = fields_read(texts, run.entity.fields)
        return cached

    def content(self, run: RuleRun, values: dict[str, Any]) -> dict[str, Any]:
        parts = {name: getattr(self.config, name) for name in self.templates}
        return {**parts, "values": values}

    def run(self, runs: Sequence[RuleRun]) -> None:
        if not runs:
            return
        items = []
        ctx = runs[0].ctx
        source = f"rule:{ctx.app.key}/{runs[0].rule.key}"
        for run, values in zip(runs, template_values(runs, self.reads(runs[0])), strict=True):
            to = self.recipients(run)
            for recipient in to:
                items.append(
                    Outbound(
                        channel=self.channel,
                        recipient=recipient,
                        content=self.content(run, values),
                        source=source,
                        app=ctx.app.key,
                        entity=run.entity.key,
                        record_id=run.record_id,
                    )
                )
            self.done(run, to=to)
        if items:
            queue(ctx.conn, items, ctx.now)


class _Addressed(Outgoing):
    kind: ClassVar[AddressKind]

    def check(self, cc: CheckContext, path: str) -> Iterator[Issue]:
        yield from check_recipients(self.config.to, cc, f"{path}.to", self.kind)  # type: ignore[attr-defined]
        yield from super().check(cc, path)

    def recipients(self, run: RuleRun) -> list[str]:
        return addresses_of(run, self.config.to, self.kind)  # type: ignore[attr-defined]


class EmailConfig(Settings):
    to: Recipients
    subject: Template = Field(min_length=1, max_length=1_000)
    body: Template = Field(min_length=1)
    html: bool = False


class Email(_Addressed):
    key = "email"
    channel = "email"
    kind = "email"
    label = {"zh-CN": "发送邮件", "en": "Send an email"}
    description = {
        "zh-CN": "通过租户的 SMTP 发送邮件；主题和正文是模板，如 {{ record.company }}。",
        "en": "Send an email through the tenant's SMTP; subject and body are templates such as "
        "{{ record.company }}.",
    }
    Config = EmailConfig
    templates = ("subject", "body")

    def content(self, run: RuleRun, values: dict[str, Any]) -> dict[str, Any]:
        assert isinstance(self.config, EmailConfig)
        return {**super().content(run, values), "html": self.config.html}


class SmsConfig(Settings):
    to: Recipients
    body: Template = Field(min_length=1, max_length=2_000)


class Sms(_Addressed):
    key = "sms"
    channel = "sms"
    kind = "phone"
    label = {"zh-CN": "发送短信", "en": "Send a text message"}
    description = {
        "zh-CN": "通过租户配置的短信接口发送短信；收件人是手机号字段或号码。",
        "en": "Send an SMS through the tenant's SMS connector to phone fields or numbers.",
    }
    Config = SmsConfig
    templates = ("body",)


class WebhookConfig(Settings):
    url: str = Field(min_length=1, max_length=2_000)
    #: The ``type`` of the message: by default ``<entity>.<trigger>``.
    event: str | None = Field(default=None, max_length=100)


class Webhook(Outgoing):
    key = "webhook"
    channel = "webhook"
    label = {"zh-CN": "调用 Webhook", "en": "Call a webhook"}
    description = {
        "zh-CN": "把记录以 JSON POST 到一个地址，按 Standard Webhooks 签名，失败重试。",
        "en": "POST the record as JSON to a URL, signed the Standard Webhooks way, retried.",
    }
    Config = WebhookConfig

    def check(self, cc: CheckContext, path: str) -> Iterator[Issue]:
        assert isinstance(self.config, WebhookConfig)
        problem = check_url(self.config.url)
        if problem is not None:
            yield f"{path}.url", problem

    def recipients(self, run: RuleRun) -> list[str]:
        assert isinstance(self.config, WebhookConfig)
        return [self.config.url]

    def content(self, run: RuleRun, values: dict[str, Any]) -> dict[str, Any]:
        assert isinstance(self.config, WebhookConfig)
        event = self.config.event or f"{run.entity.key}.{run.trigger}"
        return {"event": event, "payload": values}


class RobotConfig(Settings):
    #: A robot configured in the tenant's channel settings (by key), or a robot URL.
    robot: str = Field(min_length=1, max_length=2_000)
    msgtype: Literal["text", "markdown"] = "text"
    title: Template | None = Field(default=None, max_length=200)
    text: Template = Field(min_length=1, max_length=4_000)
    #: Mobile numbers to @-mention (DingTalk, WeCom).
    at_mobiles: list[str] = Field(default_factory=list, max_length=50)
    at_all: bool = False


class _Robot(Outgoing):
    Config = RobotConfig
    templates = ("title", "text")

    def check(self, cc: CheckContext, path: str) -> Iterator[Issue]:
        assert isinstance(self.config, RobotConfig)
        if "://" in self.config.robot:
            problem = check_url(self.config.robot)
            if problem is not None:
                yield f"{path}.robot", problem
        yield from super().check(cc, path)

    def recipients(self, run: RuleRun) -> list[str]:
        assert isinstance(self.config, RobotConfig)
        return [self.config.robot]

    def content(self, run: RuleRun, values: dict[str, Any]) -> dict[str, Any]:
        assert isinstance(self.config, RobotConfig)
        return {
            "msgtype": self.config.msgtype,
            "title": self.config.title or "",
            "text": self.config.text,
            "values": values,
            "at_mobiles": self.config.at_mobiles,
            "at_all": self.config.at_all,
        }


class DingTalk(_Robot):
    key = "dingtalk"
    channel = "dingtalk"
    label = {"zh-CN": "钉钉群机器人", "en": "DingTalk group robot"}
    description = {
        "zh-CN": "向钉钉群机器人发送文本或 Markdown 消息（支持加签）。",
        "en": "Send a text or markdown message to a DingTalk group robot (signed or not).",
    }


class WeCom(_Robot):
    key = "wecom"
    channel = "wecom"
    label = {"zh-CN": "企业微信群机器人", "en": "WeCom group robot"}
    description = {
        "zh-CN": "向企业微信群机器人发送文本或 Markdown 消息。",
        "en": "Send a text or markdown message to a WeCom group robot.",
    }


__all__ = ["DingTalk", "Email", "Sms", "WeCom", "Webhook"]
