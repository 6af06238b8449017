"""DingTalk and WeCom group robots: their message formats, DingTalk's signed
URL (checked by the local server the way DingTalk does) and their errcodes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment

from engine.messaging.channels.base import (
    ChannelSettings,
    PermanentFailure,
    RetryableFailure,
    TemplateFailed,
)
from engine.messaging.channels.dingtalk import DingTalkChannel
from engine.messaging.channels.robot import GroupRobotChannel
from engine.messaging.channels.wecom import WeComChannel
from tests.engine.messaging.local_http import Answer, Received, serve

_env = ImmutableSandboxedEnvironment()
LOCAL = frozenset({"127.0.0.1"})
ROBOT_SECRET = "SEC0123456789abcdef+/="
OK = Answer(200, b'{"errcode":0,"errmsg":"ok"}')


def renderer(template: str, values: Mapping[str, Any]) -> str:
    return _env.from_string(template).render(**values)


def content(msgtype: str = "text", **more: Any) -> dict[str, Any]:
    return {
        "msgtype": msgtype,
        "title": "Contract {{ no }} signed",
        "text": "{{ customer }} signed {{ no }} for {{ amount }}",
        "values": {"no": "C-7", "customer": "ACME", "amount": "¥1,200,000.00"},
        **more,
    }


def dingtalk_accepts(request: Received, secret: str) -> bool:
    """DingTalk's check of a signed robot URL, as its documentation states it."""
    query = request.query
    timestamp, sign = query["timestamp"][0], query["sign"][0]
    if abs(time.time() * 1000 - int(timestamp)) > 60 * 60 * 1000:
        return False
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(sign, base64.b64encode(digest).decode())


def robot_settings(url: str, sign: bool, secrets: dict[str, str] | None = None) -> ChannelSettings:
    return ChannelSettings(
        config={"robots": {"sales_group": {"url": url, "sign": sign}}},
        secret=json.dumps(secrets) if secrets is not None else None,
        allowed_hosts=LOCAL,
    )


# -- DingTalk ------------------------------------------------------------------


def test_dingtalk_text_with_mentions() -> None:
    message = DingTalkChannel().render(
        "sales_group", content(at_mobiles=["13800000000", " "], at_all=False), renderer
    )
    assert message.parts == {
        "msgtype": "text",
        "text": {"content": "Contract C-7 signed\nACME signed C-7 for ¥1,200,000.00"},
        "at": {"atMobiles": ["13800000000"], "isAtAll": False},
    }


def test_dingtalk_markdown_carries_its_title_and_the_mentions() -> None:
    message = DingTalkChannel().render(
        "sales_group", content("markdown", at_mobiles=["13800000000"], at_all=True), renderer
    )
    assert message.parts == {
        "msgtype": "markdown",
        "markdown": {
            "title": "Contract C-7 signed",
            "text": "ACME signed C-7 for ¥1,200,000.00\n\n@13800000000",
        },
        "at": {"atMobiles": ["13800000000"], "isAtAll": True},
    }


def test_a_signing_dingtalk_robot_gets_a_signed_url() -> None:
    channel = DingTalkChannel()
    with serve(lambda r: OK) as server:
        url = server.url("/robot/send?access_token=tok")
        message = channel.render("sales_group", content(), renderer)
        answer = channel.send(message, robot_settings(url, True, {"sales_group": ROBOT_SECRET}))
    assert answer == "DingTalk: ok"
    [got] = server.received
    assert got.query["access_token"] == ["tok"]
    assert dingtalk_accepts(got, ROBOT_SECRET)
    assert not dingtalk_accepts(got, "SECanother")
    assert json.loads(got.body) == message.parts
    assert got.header("Content-Type") == "application/json; charset=utf-8"


def test_an_unsigned_robot_and_a_literal_url_are_posted_as_is() -> None:
    channel = DingTalkChannel()
    with serve(lambda r: OK) as server:
        message = channel.render("sales_group", content(), renderer)
        channel.send(message, robot_settings(server.url("/robot/send?access_token=a"), False))
        literal = channel.render(server.url("/robot/send?access_token=b"), content(), renderer)
        channel.send(literal, ChannelSettings(allowed_hosts=LOCAL))
    assert [r.query for r in server.received] == [{"access_token": ["a"]}, {"access_token": ["b"]}]


def test_dingtalk_refuses_unknown_robots_and_signing_without_a_secret() -> None:
    channel = DingTalkChannel()
    with serve(lambda r: OK) as server:
        message = channel.render("sales_group", content(), renderer)
        with pytest.raises(PermanentFailure, match="has no secret"):
            channel.send(message, robot_settings(server.url(), True, {"other": "SECx"}))
        with pytest.raises(PermanentFailure, match="not a JSON object"):
            channel.send(
                message,
                ChannelSettings(
                    config={"robots": {"sales_group": {"url": server.url(), "sign": True}}},
                    secret="SECnot-json",
                    allowed_hosts=LOCAL,
                ),
            )
        unknown = channel.render("finance_group", content(), renderer)
        with pytest.raises(PermanentFailure, match="no DingTalk robot named 'finance_group'"):
            channel.send(unknown, robot_settings(server.url(), False))
    assert server.received == []


@pytest.mark.parametrize(
    ("channel", "code", "failure"),
    [
        (DingTalkChannel(), 130101, RetryableFailure),
        (DingTalkChannel(), 310000, PermanentFailure),
        (DingTalkChannel(), 300001, PermanentFailure),
        (WeComChannel(), 45009, RetryableFailure),
        (WeComChannel(), -1, RetryableFailure),
        (WeComChannel(), 93000, PermanentFailure),
    ],
)
def test_errcodes_are_classified(
    channel: GroupRobotChannel, code: int, failure: type[Exception]
) -> None:
    answer = Answer(200, json.dumps({"errcode": code, "errmsg": "robot says no"}).encode())
    with serve(lambda r: answer) as server:
        message = channel.render("sales_group", content(), renderer)
        with pytest.raises(failure) as failed:
            channel.send(message, robot_settings(server.url(), False))
    assert f"{code}: robot says no" in str(failed.value)


@pytest.mark.parametrize("channel", [DingTalkChannel(), WeComChannel()])
def test_robot_http_failures_and_odd_answers(channel: GroupRobotChannel) -> None:
    answers = iter([Answer(502, b"bad gateway"), Answer(200, b"<html>")])
    with serve(lambda r: next(answers)) as server:
        message = channel.render("sales_group", content(), renderer)
        with pytest.raises(RetryableFailure):
            channel.send(message, robot_settings(server.url(), False))
        with pytest.raises(PermanentFailure, match="not its JSON"):
            channel.send(message, robot_settings(server.url(), False))


@pytest.mark.parametrize("channel", [DingTalkChannel(), WeComChannel()])
def test_a_loopback_robot_is_refused_unless_allowlisted(channel: GroupRobotChannel) -> None:
    with serve(lambda r: OK) as server:
        message = channel.render(server.url(), content(), renderer)
        with pytest.raises(PermanentFailure, match="loopback"):
            channel.send(message, ChannelSettings())
    assert server.received == []


@pytest.mark.parametrize("channel", [DingTalkChannel(), WeComChannel()])
@pytest.mark.parametrize(
    "bad",
    [
        {"msgtype": "image", "text": "x"},
        {"msgtype": "text"},
        {"msgtype": "text", "text": "{{ empty }}", "values": {"empty": ""}},
    ],
)
def test_robot_content_that_cannot_be_sent_fails_at_render(
    channel: GroupRobotChannel, bad: dict[str, Any]
) -> None:
    with pytest.raises(TemplateFailed):
        channel.render("sales_group", bad, renderer)


def test_robot_settings_are_checked() -> None:
    with pytest.raises(ValueError):
        DingTalkChannel.Config.model_validate({"robots": {"g": {"url": "gopher://x"}}})
    config = WeComChannel.Config.model_validate(
        {"robots": {"g": {"url": "https://qyapi.weixin.qq.com/x"}}}
    )
    assert config.robots["g"].sign is False


# -- WeCom ---------------------------------------------------------------------


def test_wecom_text_mentions_by_mobile_and_all() -> None:
    channel = WeComChannel()
    with serve(lambda r: OK) as server:
        url = server.url("/cgi-bin/webhook/send?key=abc")
        message = channel.render(url, content(at_mobiles=["13800000000"], at_all=True), renderer)
        assert channel.send(message, ChannelSettings(allowed_hosts=LOCAL)) == "WeCom: ok"
    [got] = server.received
    assert got.query == {"key": ["abc"]}
    assert json.loads(got.body) == {
        "msgtype": "text",
        "text": {
            "content": "Contract C-7 signed\nACME signed C-7 for ¥1,200,000.00",
            "mentioned_mobile_list": ["13800000000", "@all"],
        },
    }


def test_wecom_markdown() -> None:
    message = WeComChannel().render("sales_group", content("markdown"), renderer)
    assert message.parts == {
        "msgtype": "markdown",
        "markdown": {"content": "**Contract C-7 signed**\nACME signed C-7 for ¥1,200,000.00"},
    }


def test_wecom_text_without_title_or_mentions() -> None:
    message = WeComChannel().render(
        "sales_group", {"text": "Hi {{ who }}", "values": {"who": "team"}}, renderer
    )
    assert message.parts == {"msgtype": "text", "text": {"content": "Hi team"}}
