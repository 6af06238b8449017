"""Outbound HTTP that a tenant cannot point at the inside of our network.

Webhooks, the SMS connector and the group robots send to URLs that tenants
write. Left alone, such a URL reaches the loopback interface, the private
network or the cloud metadata service (``169.254.169.254``) — server-side
request forgery. Two checks stop it:

* ``check_url`` — at publish time, on a literal URL: a refused scheme, user
  info, ``localhost`` or a literal address that is not public (in any of its
  spellings: ``[::ffff:127.0.0.1]``, ``2130706433``, ``0x7f.1``) is named.
* ``post`` — at delivery time, always: the host is resolved once, *every*
  address it resolves to must be public (unless the tenant's admin allowlisted
  the host or address), and the connection goes to the checked address itself
  with the original ``Host`` header and, for https, SNI and certificate
  verification against the host name. A second resolution between check and
  connect (DNS rebinding) therefore cannot happen, and redirects are never
  followed, so neither can lead to an address that was not checked.

Answers are read up to a cap (raw bytes, no decompression: a gzip bomb stays
small) and classified into ``RetryableFailure``/``PermanentFailure``.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import httpx

from engine.messaging.channels.base import PermanentFailure, RetryableFailure

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: ``(host, port) -> addresses``; the default asks the system's resolver.
Resolver = Callable[[str, int], Sequence[str]]

_SCHEMES = {"http": 80, "https": 443}
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_SNIPPET = 200


@dataclass(frozen=True)
class Response:
    """A 2xx answer: its status, headers and at most ``max_response_bytes`` of body."""

    status_code: int
    headers: Mapping[str, str]
    body: bytes
    truncated: bool = False
    # For the attempt log: which address was actually connected.
    address: str = field(default="")

    def snippet(self) -> str:
        """The start of the body as text, short enough for the attempt log."""
        return _snippet(self.body)


def resolve_host(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (tests replace this)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as err:
        raise RetryableFailure(f"{host} could not be resolved: {err}") from err
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_ipv4_loose(text: str) -> ipaddress.IPv4Address | None:
    """The address ``text`` means to ``inet_aton``: 1 to 4 dot-separated parts,
    each decimal, octal (leading ``0``) or hex (``0x``), the last part filling
    the remaining bytes — so ``2130706433``, ``0x7f.1`` and ``0177.0.0.1`` are
    all ``127.0.0.1``. ``None`` when it is not such a spelling."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        try:
            if part.lower().startswith("0x"):
                number = int(part[2:], 16) if len(part) > 2 else 0
            elif len(part) > 1 and part.startswith("0"):
                number = int(part[1:], 8)
            elif part.isdigit():
                number = int(part)
            else:
                return None
        except ValueError:
            return None
        numbers.append(number)
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = 0
    for n in head:
        value = value * 256 + n
    value = value * 256 ** (4 - len(head)) + last
    return ipaddress.IPv4Address(value)


def literal_address(host: str) -> IPAddress | None:
    """The address a URL host spells literally (brackets already removed), if any."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return parse_ipv4_loose(host)


def address_problem(address: IPAddress) -> str | None:
    """Why ``address`` may not be connected to (``"a loopback address"`` …), or None."""
    if address in _METADATA:
        return "the cloud metadata address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner = address_problem(embedded)
            return f"an IPv6 address embedding {embedded}, {inner}" if inner else None
        if address.is_site_local:
            return "a site-local address"
    elif address in _CGNAT:
        return "a shared (carrier-grade NAT) address"
    if address.is_private:
        return "a private address"
    if address.is_reserved or not address.is_global:
        return "a reserved address"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries: mapped, compatible, 6to4 or NAT64."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or address in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _NAT64_LOCAL:
        # RFC 8215 leaves the embedding to the operator: never public.
        return ipaddress.IPv4Address("0.0.0.0")
    return None


def _is_local_name(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


@dataclass(frozen=True)
class _Target:
    url: httpx.URL
    host: str  # ASCII (IDNA), lower case, no trailing dot, no brackets
    port: int


def _parse(url: str) -> _Target:
    """The URL's parts as httpx will use them, or PermanentFailure naming the problem."""
    if any(ch.isspace() or ord(ch) < 32 or ch == "\\" for ch in url):
        raise PermanentFailure("the URL contains spaces, control characters or backslashes")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, UnicodeError) as err:
        raise PermanentFailure(f"the URL cannot be read: {err}") from err
    if parsed.scheme not in _SCHEMES:
        raise PermanentFailure("only http and https URLs can be called")
    if parsed.userinfo:
        raise PermanentFailure("the URL may not carry a user name or password")
    host = parsed.raw_host.decode("ascii").lower().rstrip(".")
    if not host:
        raise PermanentFailure("the URL has no host")
    return _Target(parsed, host, parsed.port or _SCHEMES[parsed.scheme])


def check_url(url: str) -> str | None:
    """The problem with calling ``url`` as written, or None: the publish-time
    check of a literal URL (a name is resolved only at delivery, by ``post``)."""
    try:
        target = _parse(url)
    except PermanentFailure as failure:
        return failure.message
    if _is_local_name(target.host):
        return f"{target.host} is this machine"
    address = literal_address(target.host)
    if address is not None:
        problem = address_problem(address)
        if problem:
            return f"{target.host} is {problem}"
    return None


def _normalised(allowed_hosts: frozenset[str]) -> frozenset[str]:
    return frozenset(h.strip().lower().rstrip(".").strip("[]") for h in allowed_hosts)


def _checked_address(
    target: _Target, allowed_hosts: frozenset[str], resolver: Resolver
) -> IPAddress:
    """The one address to connect to, after every address of the host was checked."""
    allowed = _normalised(allowed_hosts)
    literal = literal_address(target.host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        if _is_local_name(target.host) and target.host not in allowed:
            raise PermanentFailure(
                f"{target.host} is this machine; a tenant admin can allow this host"
            )
        answers = resolver(target.host, target.port)
        addresses = []
        for answer in answers:
            try:
                addresses.append(ipaddress.ip_address(answer.split("%")[0]))
            except ValueError as err:
                raise PermanentFailure(f"{target.host} resolves to {answer!r}") from err
        if not addresses:
            raise RetryableFailure(f"{target.host} resolves to no address")
    for address in addresses:
        problem = address_problem(address)
        if problem and not (target.host in allowed or str(address) in allowed):
            where = "is" if literal is not None else "resolves to"
            raise PermanentFailure(
                f"{target.host} {where} {address}, {problem}; a tenant admin can allow this host"
            )
    return addresses[0]


def _snippet(body: bytes) -> str:
    text = body[:_SNIPPET].decode("utf-8", errors="replace")
    return text + ("…" if len(body) > _SNIPPET else "")


def _classify(status: int, headers: httpx.Headers, body: bytes, host: str) -> None:
    """Raise the failure an HTTP status means; return for a success."""
    if 300 <= status < 400:
        location = headers.get("location", "(none)")[:_SNIPPET]
        raise PermanentFailure(
            f"{host} answered {status} redirecting to {location}; redirects are not followed",
            status_code=status,
        )
    if status == 429 or status >= 500:
        raise RetryableFailure(f"{host} answered {status}: {_snippet(body)}", status_code=status)
    if status >= 400:
        raise PermanentFailure(f"{host} answered {status}: {_snippet(body)}", status_code=status)


def _cert_failure(err: BaseException) -> ssl.SSLCertVerificationError | None:
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def post(
    url: str,
    *,
    body: bytes,
    headers: Mapping[str, str],
    method: str = "POST",
    allowed_hosts: frozenset[str] = frozenset(),
    timeout_s: float = 10.0,
    max_response_bytes: int = 65_536,
    resolver: Resolver | None = None,
    verify: ssl.SSLContext | bool = True,
) -> Response:
    """Send ``body`` to ``url`` and return the (capped) 2xx answer.

    Raises ``PermanentFailure`` for a refused URL or address, a redirect, a 4xx
    or a certificate that does not match; ``RetryableFailure`` for resolution
    and connection errors, timeouts, 429 and 5xx. ``timeout_s`` bounds each
    network wait and the reading of the answer as a whole. ``resolver``
    defaults to ``resolve_host`` (looked up at call time so tests can replace
    it); ``verify`` is the TLS trust (tests pass a context trusting their CA).
    """
    target = _parse(url)
    address = _checked_address(target, allowed_hosts, resolver or resolve_host)
    # Connect to the address we checked; the host name travels in Host and SNI.
    connect_url = target.url.copy_with(host=str(address))
    request_headers = {k: v for k, v in headers.items() if k.lower() not in {"host"}}
    request_headers["Host"] = target.url.netloc.decode("ascii")
    # Raw bytes only: a compressed answer is not inflated past the cap.
    request_headers["Accept-Encoding"] = "identity"
    extensions = {"sni_hostname": target.host} if target.url.scheme == "https" else {}
    deadline = time.monotonic() + timeout_s
    try:
        with (
            httpx.Client(
                verify=verify, trust_env=False, follow_redirects=False, timeout=timeout_s
            ) as client,
            client.stream(
                method.upper(),
                connect_url,
                content=body,
                headers=request_headers,
                extensions=extensions,
            ) as answer,
        ):
            received = bytearray()
            truncated = False
            chunks = answer.iter_raw()
            for chunk in chunks:
                received.extend(chunk)
                if len(received) >= max_response_bytes:
                    # A chunk may end right at the cap: then whether the answer
                    # goes on is what the next chunk says.
                    more = len(received) > max_response_bytes or bool(next(chunks, b""))
                    truncated = more
                    del received[max_response_bytes:]
                    break
                if time.monotonic() > deadline:
                    raise RetryableFailure(f"{target.host} took longer than {timeout_s:g}s")
            status, answer_headers = answer.status_code, answer.headers
    except httpx.TimeoutException as err:
        raise RetryableFailure(f"{target.host} took longer than {timeout_s:g}s") from err
    except httpx.TransportError as err:
        cert = _cert_failure(err)
        if cert is not None:
            raise PermanentFailure(
                f"{target.host}: the certificate is not valid ({cert.verify_message})"
            ) from err
        raise RetryableFailure(f"{target.host} could not be reached: {err}") from err
    _classify(status, answer_headers, bytes(received), target.host)
    return Response(
        status_code=status,
        headers=dict(answer_headers.items()),
        body=bytes(received),
        truncated=truncated,
        address=str(address),
    )


__all__ = [
    "Resolver",
    "Response",
    "address_problem",
    "check_url",
    "literal_address",
    "parse_ipv4_loose",
    "post",
    "resolve_host",
]
