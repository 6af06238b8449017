"""Outbound HTTP: the SSRF checks, answer classification, caps and TLS, against
real servers on 127.0.0.1."""

from __future__ import annotations

import ipaddress
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.messaging import net
from engine.messaging.channels.base import PermanentFailure, RetryableFailure
from tests.engine.messaging.local_http import Answer, Huge, LocalServer, Slow, serve

LOCAL = frozenset({"127.0.0.1"})


class ScriptedResolver:
    """A resolver answering ``answers[0]`` first, ``answers[1]`` next, …"""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        return self.answers[min(len(self.calls), len(self.answers)) - 1]


# -- check_url ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://127.1.2.3:8080/x", "loopback"),
        ("http://10.0.0.1/", "private"),
        ("http://172.16.5.4/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("http://[::ffff:127.0.0.1]/", "embedding 127.0.0.1"),
        ("http://[::ffff:169.254.169.254]/", "metadata"),
        ("http://[::7f00:1]/", "embedding 127.0.0.1"),
        ("http://[2002:a00:1::]/", "embedding 10.0.0.1"),
        ("http://[64:ff9b::c0a8:101]/", "embedding 192.168.1.1"),
        ("http://[::1]/", "loopback"),
        ("http://[fc00::1]/", "private"),
        ("http://[fe80::1]/", "link-local"),
        ("http://100.64.0.1/", "carrier-grade"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://[::]/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://[ff02::1]/", "multicast"),
        ("http://198.18.0.1/", "private"),
        ("http://240.0.0.1/", "address"),
        ("http://2130706433/", "loopback"),
        ("http://0x7f.1/", "loopback"),
        ("http://0x7f000001/", "loopback"),
        ("http://0xa.0.0.1/", "private"),
        ("http://localhost:8000/", "this machine"),
        ("http://LOCALHOST./", "this machine"),
        ("http://api.localhost/", "this machine"),
        ("http://user:pw@example.com/", "user name"),
        ("ftp://example.com/", "http and https"),
        ("file:///etc/passwd", "http and https"),
        ("http://exa mple.com/", "spaces"),
        ("http://example.com\\@127.0.0.1/", "backslashes"),
    ],
)
def test_check_url_refuses_what_points_inside(url: str, says: str) -> None:
    problem = net.check_url(url)
    assert problem is not None
    assert says in problem


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/in?x=1",
        "http://8.8.8.8/",
        "https://[2606:4700:4700::1111]/",
        "http://[::ffff:8.8.8.8]/",
        "https://oapi.dingtalk.com/robot/send?access_token=abc",
    ],
)
def test_check_url_accepts_public_urls(url: str) -> None:
    assert net.check_url(url) is None


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1.258", "10.1.1.2"),
        ("1.2.3.4", "1.2.3.4"),
    ],
)
def test_loose_ipv4_spellings_mean_what_inet_aton_means(spelling: str, address: str) -> None:
    assert net.parse_ipv4_loose(spelling) == ipaddress.IPv4Address(address)


@pytest.mark.parametrize("text", ["example.com", "1.2.3.4.5", "256.1.1.1", "4294967296", "1..2"])
def test_loose_ipv4_refuses_what_is_not_an_address(text: str) -> None:
    assert net.parse_ipv4_loose(text) is None


# -- post: success, classification, caps ---------------------------------------


def test_post_sends_the_body_and_returns_the_answer() -> None:
    with serve(lambda r: Answer(201, b'{"ok":true}', {"X-Answer": "yes"})) as server:
        answer = net.post(
            server.url("/in?a=1"),
            body=b"hello",
            headers={"Content-Type": "text/plain", "X-Mine": "1"},
            allowed_hosts=LOCAL,
        )
    assert (answer.status_code, answer.body, answer.truncated) == (201, b'{"ok":true}', False)
    assert answer.headers["x-answer"] == "yes"
    assert answer.address == "127.0.0.1"
    [got] = server.received
    assert (got.method, got.path, got.body) == ("POST", "/in?a=1", b"hello")
    assert got.header("X-Mine") == "1"
    assert got.header("Host") == f"127.0.0.1:{server.port}"


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_5xx_and_429_are_retryable(status: int) -> None:
    with (
        serve(lambda r: Answer(status, b"busy")) as server,
        pytest.raises(RetryableFailure) as failed,
    ):
        net.post(server.url(), body=b"{}", headers={}, allowed_hosts=LOCAL)
    assert failed.value.status_code == status
    assert "busy" in failed.value.message


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_other_4xx_are_permanent(status: int) -> None:
    with (
        serve(lambda r: Answer(status, b"no")) as server,
        pytest.raises(PermanentFailure) as failed,
    ):
        net.post(server.url(), body=b"{}", headers={}, allowed_hosts=LOCAL)
    assert failed.value.status_code == status


def test_a_redirect_is_not_followed() -> None:
    with serve() as target:
        location = target.url("/inside")
        with (
            serve(lambda r: Answer(302, b"", {"Location": location})) as server,
            pytest.raises(PermanentFailure) as failed,
        ):
            net.post(server.url(), body=b"{}", headers={}, allowed_hosts=LOCAL)
    assert failed.value.status_code == 302
    assert location in failed.value.message
    assert target.received == []


def test_a_slow_server_times_out_as_retryable() -> None:
    with serve(lambda r: Slow()) as server:
        started = time.monotonic()
        with pytest.raises(RetryableFailure, match="longer than"):
            net.post(server.url(), body=b"{}", headers={}, allowed_hosts=LOCAL, timeout_s=0.5)
        assert time.monotonic() - started < 5


def test_a_huge_answer_is_cut_at_the_cap() -> None:
    with serve(lambda r: Huge(10 * 1024 * 1024)) as server:
        answer = net.post(
            server.url(), body=b"{}", headers={}, allowed_hosts=LOCAL, max_response_bytes=65_536
        )
    assert len(answer.body) == 65_536
    assert answer.truncated


def test_a_closed_port_is_retryable() -> None:
    with serve() as server:
        url = server.url()
    with pytest.raises(RetryableFailure, match="could not be reached"):
        net.post(url, body=b"{}", headers={}, allowed_hosts=LOCAL, timeout_s=2)


# -- post: SSRF ----------------------------------------------------------------


def never(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} should not have been resolved")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("http://127.0.0.1:{port}/hook", "127.0.0.1, a loopback address"),
        ("http://10.0.0.1:{port}/hook", "10.0.0.1, a private address"),
        ("http://169.254.169.254/latest/meta-data/", "the cloud metadata address"),
        ("http://[::ffff:127.0.0.1]:{port}/hook", "embedding 127.0.0.1"),
        ("http://2130706433:{port}/hook", "127.0.0.1, a loopback address"),
        ("http://0x7f.1:{port}/hook", "127.0.0.1, a loopback address"),
        ("http://localhost:{port}/hook", "localhost is this machine"),
    ],
)
def test_inside_addresses_are_refused_at_delivery(url: str, says: str) -> None:
    with serve() as server, pytest.raises(PermanentFailure) as failed:
        net.post(url.format(port=server.port), body=b"{}", headers={}, resolver=never)
    assert says in failed.value.message
    assert "a tenant admin can allow this host" in failed.value.message
    assert server.received == []


def test_a_name_resolving_to_loopback_is_refused() -> None:
    resolve = ScriptedResolver(["127.0.0.1"])
    with serve() as server, pytest.raises(PermanentFailure) as failed:
        net.post(server.url(host="hooks.example.com"), body=b"{}", headers={}, resolver=resolve)
    assert failed.value.message == (
        "hooks.example.com resolves to 127.0.0.1, a loopback address; "
        "a tenant admin can allow this host"
    )
    assert server.received == []


@pytest.mark.parametrize("inside", ["169.254.169.254", "10.1.2.3", "::1", "fd00:ec2::254"])
def test_any_inside_address_among_the_answers_is_refused(inside: str) -> None:
    resolve = ScriptedResolver(["93.184.215.14", inside])
    with pytest.raises(PermanentFailure, match="resolves to"):
        net.post("http://hooks.example.com/", body=b"{}", headers={}, resolver=resolve)


def test_rebinding_cannot_reach_the_second_answer() -> None:
    """The name is resolved once and the connection goes to the address that
    was checked: a resolver that turns to another address on a second lookup
    is never asked again. (The checked address is an allowlisted loopback one
    here, so that nothing leaves the machine.)"""
    resolve = ScriptedResolver(["127.0.0.1"], ["127.0.0.2"])
    with serve() as checked:
        answer = net.post(
            checked.url(host="rebind.example"),
            body=b"{}",
            headers={},
            resolver=resolve,
            allowed_hosts=frozenset({"127.0.0.1"}),
        )
    assert answer.address == "127.0.0.1"
    assert resolve.calls == ["rebind.example"]
    assert [r.header("Host") for r in checked.received] == [f"rebind.example:{checked.port}"]

    # Answered with a public and an inside address at once: refused.
    with pytest.raises(PermanentFailure, match=r"127\.0\.0\.2, a loopback address"):
        net.post(
            "http://rebind.example/",
            body=b"{}",
            headers={},
            resolver=ScriptedResolver(["93.184.215.14", "127.0.0.2"]),
            allowed_hosts=frozenset({"127.0.0.1"}),
        )


def test_an_allowlisted_name_is_reached_at_the_checked_address_with_its_host_header() -> None:
    resolve = ScriptedResolver(["127.0.0.1"])
    with serve() as server:
        answer = net.post(
            server.url(host="Hooks.Internal"),
            body=b"{}",
            headers={"Host": "evil.example"},
            resolver=resolve,
            allowed_hosts=frozenset({"hooks.internal"}),
        )
    assert answer.address == "127.0.0.1"
    [got] = server.received
    assert got.header("Host") == f"hooks.internal:{server.port}"


def test_an_allowlisted_address_is_reached() -> None:
    with serve() as server:
        answer = net.post(
            server.url(host="2130706433"),
            body=b"{}",
            headers={},
            allowed_hosts=frozenset({"127.0.0.1"}),
            resolver=never,
        )
    assert answer.status_code == 200
    assert len(server.received) == 1


@pytest.mark.parametrize(
    "url", ["ftp://example.com/", "http://u:p@example.com/", "http:///nohost", "http://a b/"]
)
def test_unusable_urls_are_permanent(url: str) -> None:
    with pytest.raises(PermanentFailure):
        net.post(url, body=b"", headers={}, resolver=never)


# -- post: https with SNI and certificate verification -------------------------


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway CA and a certificate for ``hook.example`` signed by it."""
    where = tmp_path_factory.mktemp("tls")
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=Formwork Test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=where,
    )  # fmt: skip
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr",
        "-subj", "/CN=hook.example",
        cwd=where,
    )  # fmt: skip
    (where / "leaf.ext").write_text(
        "subjectAltName=DNS:hook.example\nbasicConstraints=CA:FALSE\n"
        "extendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n"
    )
    _openssl(
        "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "leaf.pem", "-days", "2", "-extfile", "leaf.ext",
        cwd=where,
    )  # fmt: skip
    return where


@pytest.fixture
def tls_server(certificates: Path) -> Iterator[tuple[LocalServer, ssl.SSLContext]]:
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(certificates / "leaf.pem", certificates / "leaf.key")
    trust = ssl.create_default_context(cafile=str(certificates / "ca.pem"))
    with serve(tls=server_side) as server:
        yield server, trust


def test_https_goes_to_the_checked_address_with_sni_and_verified_certificate(
    tls_server: tuple[LocalServer, ssl.SSLContext],
) -> None:
    server, trust = tls_server
    answer = net.post(
        server.url(host="hook.example"),
        body=b"{}",
        headers={},
        resolver=ScriptedResolver(["127.0.0.1"]),
        allowed_hosts=frozenset({"hook.example"}),
        verify=trust,
    )
    assert answer.status_code == 200
    assert server.sni == ["hook.example"]
    [got] = server.received
    assert got.header("Host") == f"hook.example:{server.port}"


def test_https_refuses_a_certificate_for_another_name(
    tls_server: tuple[LocalServer, ssl.SSLContext],
) -> None:
    server, trust = tls_server
    with pytest.raises(PermanentFailure, match="certificate"):
        net.post(
            server.url(host="other.example"),
            body=b"{}",
            headers={},
            resolver=ScriptedResolver(["127.0.0.1"]),
            allowed_hosts=frozenset({"other.example"}),
            verify=trust,
        )
    assert server.received == []
