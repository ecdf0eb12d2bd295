"""One polite, bounded HTTP client that every live source uses.

Why one: retries, back-off, timeouts, size limits and error messages must behave the same for
the World Bank, World Bank Projects, IATI and Overpass clients, and be tested once.
"""

from __future__ import annotations

import datetime
import email.utils
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

USER_AGENT = (
    "ascn-city-indicators/0.1 (+https://github.com/ascn-city-indicators; open-source data pipeline)"
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class SourceError(RuntimeError):
    """A source could not be read. The message names the source and the URL."""

    def __init__(self, source: str, url: str, detail: str, status: int | None = None):
        self.source, self.url, self.detail = source, url, detail
        self.status = status  # the HTTP status when the failure was an HTTP error response
        super().__init__(f"[{source}] {url}: {detail}")


class RetryableResponse(Exception):
    """Raised by a response validator to ask for one more try (e.g. a transient API error)."""


@dataclass
class HttpResponse:
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self, source: str) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            snippet = self.body[:120].decode("utf-8", "replace")
            raise SourceError(
                source, self.url, f"response is not valid JSON ({exc}); body starts {snippet!r}"
            ) from exc


@dataclass
class HttpClient:
    """GET/POST with timeouts, bounded retries with exponential back-off and Retry-After."""

    source: str
    timeout_s: float = 60.0
    max_retries: int = 5
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    max_bytes: int = 100 * 1024 * 1024
    retry_statuses: frozenset[int] = RETRY_STATUSES
    headers: Mapping[str, str] = field(default_factory=dict)
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session = field(default_factory=requests.Session)

    def get(self, url: str, params: Mapping[str, Any] | None = None, **kw: Any) -> HttpResponse:
        return self.request("GET", url, params=params, **kw)

    def post(self, url: str, data: Mapping[str, Any] | None = None, **kw: Any) -> HttpResponse:
        return self.request("POST", url, data=data, **kw)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        validate: Callable[[HttpResponse], None] | None = None,
    ) -> HttpResponse:
        """Send a request; retry transient failures; raise SourceError when out of tries.

        `validate` may raise RetryableResponse to retry a 200 response (an error body, a
        truncated page) or SourceError to fail at once.

        Retried: statuses in `retry_statuses` (honouring Retry-After, capped at max_backoff_s),
        timeouts, connection errors/resets and bodies cut short. Not retried: other HTTP errors
        (SourceError with `.status`), a body over `max_bytes` (checked against Content-Length
        before reading, then while streaming), other request errors (e.g. an invalid URL).
        """
        all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        all_headers.update(self.headers)
        all_headers.update(headers or {})
        last_problem = "no attempt made"
        last_status: int | None = None
        shown_url = url
        for attempt in range(self.max_retries + 1):
            wait: float | None = None
            last_status = None
            try:
                with self.session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    headers=all_headers,
                    timeout=self.timeout_s,
                    stream=True,
                ) as resp:
                    shown_url = resp.url or url
                    body = self._read_bounded(resp, shown_url)
                    result = HttpResponse(shown_url, resp.status_code, dict(resp.headers), body)
                snippet = body[:200].decode("utf-8", "replace")
                if result.status in self.retry_statuses:
                    last_problem = f"HTTP {result.status}: {snippet}"
                    last_status = result.status
                    wait = _retry_after(result.headers.get("Retry-After"))
                elif result.status >= 400:
                    raise SourceError(
                        self.source,
                        shown_url,
                        f"HTTP {result.status}: {snippet}",
                        status=result.status,
                    )
                else:
                    if validate is not None:
                        validate(result)
                    return result
            except RetryableResponse as exc:
                last_problem = str(exc)
            except (requests.Timeout, requests.ConnectionError) as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
            except (
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                last_problem = f"truncated response: {exc}"
            except requests.RequestException as exc:
                # Not transient (invalid URL, too many redirects, ...): fail at once.
                raise SourceError(
                    self.source, shown_url, f"request failed: {type(exc).__name__}: {exc}"
                ) from exc
            if attempt == self.max_retries:
                break
            delay = min(self.max_backoff_s, self.backoff_s * 2**attempt)
            self.sleep(max(delay, min(wait, self.max_backoff_s)) if wait is not None else delay)
        raise SourceError(
            self.source,
            shown_url,
            f"gave up after {self.max_retries + 1} attempts: {last_problem}",
            status=last_status,
        )

    def _read_bounded(self, resp: requests.Response, url: str) -> bytes:
        declared = resp.headers.get("Content-Length")
        if declared and declared.strip().isdigit() and int(declared) > self.max_bytes:
            raise SourceError(
                self.source,
                url,
                f"response of {int(declared):,} bytes (Content-Length) is larger than the "
                f"{self.max_bytes:,}-byte limit",
            )
        chunks, size = [], 0
        for chunk in resp.iter_content(chunk_size=1 << 16):
            size += len(chunk)
            if size > self.max_bytes:
                raise SourceError(
                    self.source, url, f"response larger than the {self.max_bytes:,}-byte limit"
                )
            chunks.append(chunk)
        return b"".join(chunks)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None  # unparseable header: fall back to the exponential back-off
        if parsed is None:
            return None
        if parsed.tzinfo is None:  # "-0000" dates come back naive; HTTP dates are UTC
            parsed = parsed.replace(tzinfo=datetime.UTC)
        return max(0.0, parsed.timestamp() - time.time())
