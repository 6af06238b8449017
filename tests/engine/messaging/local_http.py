"""A real HTTP(S) server on 127.0.0.1 for the channel tests.

Each test gives it an ``answer`` function: the recorded request in, the
status, headers and body out (or a ``Slow``/``Huge`` answer). It records every
request it receives so a test can show a refused send never reached it.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)

    def header(self, name: str) -> str | None:
        return {k.lower(): v for k, v in self.headers.items()}.get(name.lower())


@dataclass
class Answer:
    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Slow:
    """Answer only after ``release`` is set (the server's teardown sets it)."""


@dataclass
class Huge:
    size: int


Respond = Callable[[Received], Answer | Slow | Huge]


@dataclass
class LocalServer:
    port: int
    scheme: str
    received: list[Received]
    #: The server names TLS clients asked for (SNI), in order.
    sni: list[str | None]

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"


@contextmanager
def serve(
    respond: Respond | None = None, tls: ssl.SSLContext | None = None
) -> Iterator[LocalServer]:
    """Run a threaded server until the block ends; every wait inside is bounded."""
    received: list[Received] = []
    release = threading.Event()
    sni_seen: list[str | None] = []
    answer_with = respond or (lambda _: Answer())

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Received(
                method=self.command,
                path=self.path,
                headers=dict(self.headers.items()),
                body=body,
            )
            received.append(request)
            answer = answer_with(request)
            try:
                if isinstance(answer, Slow):
                    release.wait(10)
                    answer = Answer(body=b"late")
                if isinstance(answer, Huge):
                    self.send_response(200)
                    self.send_header("Content-Length", str(answer.size))
                    self.end_headers()
                    chunk = b"x" * 65_536
                    for _ in range(answer.size // len(chunk)):
                        self.wfile.write(chunk)
                    return
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                # The client stopped reading (the response cap): expected.
                pass

        do_POST = do_GET = do_PUT = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if tls is not None:

        def remember_sni(sock: ssl.SSLObject, name: str | None, _: ssl.SSLContext) -> None:
            sni_seen.append(name)

        tls.sni_callback = remember_sni  # type: ignore[assignment]
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield LocalServer(server.server_address[1], "https" if tls else "http", received, sni_seen)
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
