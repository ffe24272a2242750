"""Serve a Company's HubSpot API on localhost from a background thread."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from simulator.company import Company
from simulator.hubspot_api import HubSpotApi


class DemoApi:
    """`with DemoApi(company) as api:` serves it at `api.base_url` until the block ends."""

    def __init__(
        self, company: Company, token: str = "demo-token", host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.company = company
        self.host, self.port = host, port
        self._api = HubSpotApi(company, token)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._count = 0
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("DemoApi is not running")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._server.server_address[1]}"

    @property
    def request_count(self) -> int:
        with self._lock:
            return self._count

    def start(self) -> DemoApi:
        if self._server is not None:
            return self
        self._server = ThreadingHTTPServer((self.host, self.port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="salespulse-demo-api",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server, self._thread = None, None

    def __enter__(self) -> DemoApi:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _count_request(self) -> None:
        with self._lock:
            self._count += 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        demo = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, so paging clients reuse a connection
            # Headers and body go out in separate writes; without these, Nagle's algorithm and
            # delayed ACKs stall every keep-alive response by ~40 ms.
            disable_nagle_algorithm = True
            wbufsize = 1 << 16

            def _dispatch(self) -> None:
                demo._count_request()
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)  # drain, so the connection stays usable
                status, body = demo._api.handle(
                    self.command, self.path, dict(self.headers.items()), demo.base_url
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

            def log_message(self, format: str, *args: object) -> None:
                pass  # tests and the demo read stdout; keep it clean

        return Handler
