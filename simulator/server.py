"""Serve a Company's HubSpot and Typeform APIs on localhost from a background thread.

Routing is by path: /crm/... is HubSpot, /forms... is Typeform, /_simulator/... is the demo's
own control surface (clock), all behind the same bearer token. The clock can be moved forward
(`DemoApi.advance(days)` in-process, or POST /_simulator/advance?days=N from outside); requests
are always answered from one consistent clock.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from simulator.company import Company
from simulator.faults import PROXY_ERROR_PAGE, Faults, hubspot_rate_headers
from simulator.hubspot_api import HubSpotApi
from simulator.hubspot_api import error_body as hubspot_error
from simulator.rate_limits import EnforcedRateLimit
from simulator.timeutil import iso_ms
from simulator.typeform_api import TypeformApi
from simulator.typeform_api import error_body as typeform_error

ADMIN_PREFIX = "/_simulator/"


class DemoApi:
    """`with DemoApi(company) as api:` serves it at `api.base_url` until the block ends."""

    def __init__(
        self,
        company: Company,
        token: str = "demo-token",
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Faults | None = None,
        rate_limit: EnforcedRateLimit | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.faults = faults or Faults()
        self.rate_limit = rate_limit  # HubSpot's burst and search limits, when enforced
        self._token = token
        self._lock = threading.Lock()
        self._set_company(company)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._count = 0  # every request
        self._api_count = 0  # requests to the HubSpot and Typeform APIs (faults key on these)

    def _set_company(self, company: Company) -> None:
        apis = (company, HubSpotApi(company, self._token), TypeformApi(company, self._token))
        with self._lock:
            self._apis = apis  # swapped in one assignment: a request sees one clock

    @property
    def company(self) -> Company:
        return self._apis[0]

    @property
    def clock_ms(self) -> int:
        return self.company.clock_ms

    def advance(self, days: float = 1.0) -> Company:
        """Move the served company's clock forward; returns the company at the new clock."""
        company = self.company.advance(days)
        self._set_company(company)
        return company

    def set_clock(self, clock_ms: int) -> Company:
        if clock_ms < self.clock_ms:
            raise ValueError("the clock only moves forward")
        company = self.company.at(clock_ms)
        self._set_company(company)
        return company

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

    def _count_request(self, api: bool) -> int:
        with self._lock:
            self._count += 1
            if api:
                self._api_count += 1
            return self._api_count

    def _admin(self, method: str, target: str, headers: dict) -> tuple[int, bytes]:
        company, hubspot, _ = self._apis
        if not hubspot.authorised(headers):
            return 401, json.dumps({"message": "bearer token required"}).encode()
        url = urlsplit(target)
        query = parse_qs(url.query)
        if url.path == "/_simulator/clock" and method == "GET":
            pass
        elif url.path == "/_simulator/advance" and method == "POST":
            try:
                days = float(query.get("days", ["1"])[-1])
                company = self.advance(days)
            except ValueError as exc:
                return 400, json.dumps({"message": str(exc)}).encode()
        else:
            return 404, json.dumps({"message": f"No route for {method} {url.path}"}).encode()
        body = {
            "clock": iso_ms(company.clock_ms),
            "clock_ms": company.clock_ms,
            "as_of": company.as_of.isoformat(),
            "horizon_end": iso_ms(company.horizon_end_ms),
        }
        return 200, json.dumps(body).encode()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        demo = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, so paging clients reuse a connection
            # Headers and body go out in separate writes; without these, Nagle's algorithm and
            # delayed ACKs stall every keep-alive response by ~40 ms.
            disable_nagle_algorithm = True
            wbufsize = 1 << 16

            def _dispatch(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = dict(self.headers.items())
                path = urlsplit(self.path).path
                if path.startswith(ADMIN_PREFIX):
                    demo._count_request(api=False)
                    status, payload = demo._admin(self.command, self.path, headers)
                    self._send(status, payload, {})
                    return
                n = demo._count_request(api=True)
                _, hubspot, typeform = demo._apis
                is_typeform = path == "/forms" or path.startswith("/forms/")
                fault, delay = demo.faults.decide(n)
                if delay:
                    time.sleep(delay)
                extra = {} if is_typeform else hubspot_rate_headers(n, fault == "rate_limit")
                if demo.rate_limit is not None and not is_typeform:
                    admitted, extra, policy = demo.rate_limit.admit(path.endswith("/search"))
                    if not admitted:
                        self._send(429, self._rate_limited(False, policy)[1], extra)
                        return
                if fault == "rate_limit":
                    status, payload = self._rate_limited(is_typeform)
                    extra["Retry-After"] = str(demo.faults.retry_after_seconds)
                elif fault == "server_error":
                    status = demo.faults.server_error_status
                    if is_typeform:
                        payload = typeform_error(status, "INTERNAL_SERVER_ERROR", "try again")[1]
                    else:
                        payload = hubspot_error(status, "INTERNAL_ERROR", "internal error")[1]
                elif fault == "html":  # a proxy's page: not the API's JSON, nor its headers
                    self._send(demo.faults.html_status, PROXY_ERROR_PAGE, {}, "text/html")
                    return
                else:
                    api = typeform if is_typeform else hubspot
                    status, payload = api.handle(
                        self.command, self.path, headers, demo.base_url, body
                    )
                if fault == "drop":
                    self._send_half_and_drop(status, payload, extra)
                    return
                self._send(status, payload, extra)

            @staticmethod
            def _rate_limited(
                is_typeform: bool, policy: str | None = "TEN_SECONDLY_ROLLING"
            ) -> tuple[int, bytes]:
                if is_typeform:
                    return typeform_error(429, "RATE_LIMIT_EXCEEDED", "rate limit exceeded")
                body = {
                    "status": "error",
                    "message": f"You have reached your {str(policy).lower()} limit.",
                    "errorType": "RATE_LIMIT",
                    "correlationId": str(uuid.uuid4()),
                    "policyName": policy,
                    "groupName": "demo-app",
                }
                return 429, json.dumps(body, separators=(",", ":")).encode()

            def _send(
                self,
                status: int,
                payload: bytes,
                extra: dict[str, str],
                content_type: str = "application/json",
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", f"{content_type};charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def _send_half_and_drop(self, status: int, payload: bytes, extra: dict) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

            def log_message(self, format: str, *args: object) -> None:
                pass  # tests and the demo read stdout; keep it clean

        return Handler
