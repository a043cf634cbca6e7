"""Serving the sandbox over HTTP/1.1 with its connections kept open between requests, as
Stripe's API does (Kassa's client reuses them).

Werkzeug's development server closes every connection after one response (it cannot tell
where a request's body ends when the application leaves it unread), so a client served by it
opens a TCP connection, and the server a thread, for each request: work no client of Stripe
does, which made Kassa's billing benchmark slower than production for a reason that is not
Kassa's. The sandbox always reads a request's body to its ``Content-Length`` here, so the next
request on the connection starts where this one ended.
"""

from __future__ import annotations

import io
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

# Headers the server writes itself (the length of the body it sends, and the connection's
# fate, which the client's request decides).
_HOP = frozenset({"content-length", "connection", "transfer-encoding"})


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # A response goes out at once: with the connection kept open, Nagle's algorithm would
    # hold it back waiting for the client's delayed acknowledgement (40 ms a request).
    disable_nagle_algorithm = True
    server: KeepAliveServer

    def handle_one_request(self) -> None:
        """One request: http.server reads the request line and headers, then calls here by
        method name; every method goes to the application."""
        try:
            super().handle_one_request()
        except ConnectionError:
            self.close_connection = True

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], _exc: Any = None) -> Any:
            answer[:] = [status, headers]
            return lambda _data: None  # the sandbox returns its body, it never writes it

        chunks = self.server.app(self._environ(body), start_response)
        try:
            data = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        status, headers = answer
        head = [f"{self.protocol_version} {status}"]
        head += [f"{name}: {value}" for name, value in headers if name.lower() not in _HOP]
        head += [f"Content-Length: {len(data)}", "", ""]
        payload = b"" if self.command == "HEAD" else data
        self.wfile.write("\r\n".join(head).encode("latin-1") + payload)  # in one write

    def _environ(self, body: bytes) -> dict[str, Any]:
        path, _, query = self.path.partition("?")
        host, port = self.server.server_address[:2]
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(path, "latin-1"),
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": self.request_version,
            "REMOTE_ADDR": self.client_address[0],
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    def log_message(self, format: str, *args: Any) -> None:
        """No access log."""


class KeepAliveServer(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server of one WSGI application (``app``, replaceable while it
    runs), a thread per connection."""

    daemon_threads = True

    def __init__(self, host: str, port: int, app: Any) -> None:
        super().__init__((host, port), _Handler)
        self.app = app


def serve_in_thread(host: str, port: int, app: Any) -> KeepAliveServer:
    """``app`` served on ``host:port`` from a daemon thread (``shutdown()`` stops it)."""
    server = KeepAliveServer(host, port, app)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
