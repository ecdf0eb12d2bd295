"""One polite, bounded, resumable HTTP client that every live source uses.

Why one: retries, back-off, timeouts, size limits, error messages, rate-limit handling and the
kept answers must behave the same for the World Bank, World Bank Projects, IATI and Overpass
clients, and be tested once.

- Polite: a User-Agent naming the project and the operator's contact (`ASCN_CONTACT`);
  conditional requests (If-None-Match / If-Modified-Since) for kept answers that have
  validators; the server's delay honoured (Retry-After, or the delay a rate-limit page states).
- Resumable: with an `AnswerStore` (pipelines/framework/answers.py) every accepted answer is
  kept; a fresh kept answer is reused without a request, so a retried asset or a rerun after a
  failure asks only for what it does not have yet. Retries are per request.
- Honest errors: rate-limit and too-busy pages are recognised by their text whatever their
  status; permanent errors (4xx other than 408/429, bodies a client refuses) are not retried and
  carry the server's full error text (the Overpass error lines, the JSON message), not a prolog.
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

from pipelines.framework.answers import AnswerStore, request_key
from pipelines.framework.http_errors import error_text, stated_delay, throttle_kind
from pipelines.settings import Settings

PRODUCT = "ascn-city-indicators/0.1.0"
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: statuses that are the client's fault and will fail the same way again
_TRANSIENT_4XX = frozenset({408, 429})


def user_agent(contact: str = "") -> str:
    """The User-Agent of every request: the project, and whom to contact about its traffic."""
    who = f"contact: {contact}" if contact else "contact not configured (ASCN_CONTACT)"
    return f"{PRODUCT} (open-source city indicators pipeline; {who})"


USER_AGENT = user_agent()


class SourceError(RuntimeError):
    """A source could not be read. The message names the source and the URL.

    `permanent`: a retry cannot help (a 4xx other than 408/429, an answer that does not match
    its request, a body that cannot be parsed). Defaults from `status`.
    """

    def __init__(
        self,
        source: str,
        url: str,
        detail: str,
        status: int | None = None,
        permanent: bool | None = None,
    ):
        self.source, self.url, self.detail = source, url, detail
        self.status = status  # the HTTP status when the failure was an HTTP error response
        if permanent is None:
            permanent = status is not None and 400 <= status < 500 and status not in _TRANSIENT_4XX
        self.permanent = permanent
        super().__init__(f"[{source}] {url}: {detail}")


def refuse(source: str, url: str, detail: str) -> SourceError:
    """A permanent error for an answer that does not match its request or cannot be read."""
    return SourceError(source, url, detail, permanent=True)


class RetryableResponse(Exception):
    """Raised by a response validator to ask for one more try (e.g. a transient API error)."""


@dataclass
class HttpResponse:
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    kept: bool = False  # True when served from the answer store (reused or confirmed by 304)

    def json(self, source: str) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise refuse(
                source,
                self.url,
                f"response is not valid JSON ({exc}); the server said: {error_text(self.body)!r}",
            ) from exc


@dataclass
class Traffic:
    """What a client cost: requests sent and bytes received, and what the store saved."""

    requests: int = 0  # attempts sent over the network, retries (and timed-out ones) included
    bytes: int = 0  # answer bodies received over the network
    reused: int = 0  # kept answers reused without a request (fresh)
    not_modified: int = 0  # kept answers the server confirmed with 304
    retries: int = 0  # requests repeated after a transient failure

    def summary(self) -> str:
        return (
            f"{self.requests} request(s), {self.bytes:,} bytes fetched, {self.reused} kept "
            f"answer(s) reused, {self.not_modified} confirmed unchanged (304), "
            f"{self.retries} retried"
        )


@dataclass
class HttpClient:
    """GET/POST with timeouts, bounded retries, the server's delays, and kept answers."""

    source: str
    timeout_s: float = 60.0
    max_retries: int = 5
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    max_wait_s: float = 300.0  # longest server-requested delay waited for; beyond it, give up
    max_bytes: int = 100 * 1024 * 1024
    retry_statuses: frozenset[int] = RETRY_STATUSES
    headers: Mapping[str, str] = field(default_factory=dict)
    user_agent: str = USER_AGENT
    store: AnswerStore | None = None
    # Asks the server how long to wait when a rate-limit / too-busy page states no delay
    # (Overpass sends none and points to /api/status); None: exponential back-off.
    throttle_delay: Callable[[str], float | None] | None = None
    traffic: Traffic = field(default_factory=Traffic)
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
        """Send a request (or reuse its kept answer); retry transient failures; raise
        SourceError when out of tries or at once for a permanent error.

        `validate` checks an answer against its request before it is returned or kept: it may
        raise RetryableResponse (retry: a transient error body) or SourceError (give up; use
        `refuse` for an answer that does not match). A kept answer is validated again before
        reuse; if it no longer passes it is dropped and fetched anew.

        Retried: statuses in `retry_statuses`, rate-limit / too-busy pages of any status
        (after Retry-After or the stated delay, up to `max_wait_s`), timeouts, connection
        errors, bodies cut short. Not retried: other HTTP errors, a body over `max_bytes`,
        other request errors (e.g. an invalid URL).
        """
        key = request_key(method, url, params, data)
        kept = self._kept(key, validate)
        if kept is not None and self.store is not None and self.store.is_fresh(kept[0]):
            self.traffic.reused += 1
            return kept[1]
        all_headers = {"User-Agent": self.user_agent, "Accept": "application/json"}
        all_headers.update(self.headers)
        all_headers.update(headers or {})
        if kept is not None:
            all_headers.update(kept[0].validators)
        last_problem, last_status, shown_url = "no attempt made", None, url
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.traffic.retries += 1
            wait: float | None = None
            last_status = None
            try:
                result = self._send(method, url, params, data, all_headers)
                shown_url = result.url
                if result.status == 304 and kept is not None and self.store is not None:
                    self.store.confirm(kept[0], result.headers)
                    self.traffic.not_modified += 1
                    return kept[1]
                kind = throttle_kind(result.body)
                if kind is not None or result.status in self.retry_statuses:
                    last_status = result.status
                    last_problem = f"HTTP {result.status}: {error_text(result.body)}"
                    if kind is not None:
                        last_problem = f"{kind.replace('_', ' ')} ({last_problem})"
                    wait = _retry_after(result.headers.get("Retry-After"))
                    if wait is None and kind is not None:
                        wait = stated_delay(result.body)
                    if wait is None and kind is not None and self.throttle_delay is not None:
                        wait = self.throttle_delay(kind)  # e.g. Overpass /api/status
                    if wait is not None and wait > self.max_wait_s:
                        raise SourceError(
                            self.source, shown_url,
                            f"{last_problem}; the server asks to wait {wait:.0f} s, longer than "
                            f"{self.max_wait_s:.0f} s: not retried now (a rerun resumes)",
                            status=result.status, permanent=False,
                        )  # fmt: skip
                elif result.status >= 400:
                    raise SourceError(
                        self.source,
                        shown_url,
                        f"HTTP {result.status}: {error_text(result.body)}",
                        status=result.status,
                    )
                else:
                    if validate is not None:
                        validate(result)
                    self._keep(key, method, url, params, data, result)
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
                    self.source, shown_url, f"request failed: {type(exc).__name__}: {exc}",
                    permanent=True,
                ) from exc  # fmt: skip
            if attempt == self.max_retries:
                break
            delay = min(self.max_backoff_s, self.backoff_s * 2**attempt)
            self.sleep(max(delay, wait) if wait is not None else delay)
        raise SourceError(
            self.source,
            shown_url,
            f"gave up after {self.max_retries + 1} attempts: {last_problem}",
            status=last_status,
            permanent=False,
        )

    def _kept(
        self, key: str, validate: Callable[[HttpResponse], None] | None
    ) -> tuple[Any, HttpResponse] | None:
        """The kept answer of this request, if any and if it still passes `validate`."""
        if self.store is None:
            return None
        found = self.store.get(self.source, key)
        if found is None:
            return None
        kept, body = found
        response = HttpResponse(kept.final_url, kept.status, kept.headers, body, kept=True)
        try:
            if validate is not None:
                validate(response)
        except (SourceError, RetryableResponse):
            self.store.forget(self.source, key)  # e.g. the checks got stricter: fetch anew
            return None
        return kept, response

    def _keep(
        self,
        key: str,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        data: Mapping[str, Any] | None,
        result: HttpResponse,
    ) -> None:
        if self.store is not None:
            self.store.put(
                self.source, key, method=method, url=url, params=params, data=data,
                final_url=result.url, status=result.status, headers=result.headers,
                body=result.body,
            )  # fmt: skip

    def forget(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        """Drop the kept answer of a request (e.g. a page of a series that changed meanwhile)."""
        if self.store is not None:
            self.store.forget(self.source, request_key(method, url, params, data))

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        data: Mapping[str, Any] | None,
        headers: Mapping[str, str],
    ) -> HttpResponse:
        self.traffic.requests += 1  # an attempt counts, also one that times out
        with self.session.request(
            method, url, params=params, data=data, headers=headers, timeout=self.timeout_s,
            stream=True,
        ) as resp:  # fmt: skip
            shown_url = resp.url or url
            body = self._read_bounded(resp, shown_url)
            return HttpResponse(shown_url, resp.status_code, dict(resp.headers), body)

    def _read_bounded(self, resp: requests.Response, url: str) -> bytes:
        declared = resp.headers.get("Content-Length")
        if declared and declared.strip().isdigit() and int(declared) > self.max_bytes:
            raise SourceError(
                self.source,
                url,
                f"response of {int(declared):,} bytes (Content-Length) is larger than the "
                f"{self.max_bytes:,}-byte limit",
                permanent=True,
            )
        chunks, size = [], 0
        for chunk in resp.iter_content(chunk_size=1 << 16):
            size += len(chunk)
            self.traffic.bytes += len(chunk)
            if size > self.max_bytes:
                raise SourceError(
                    self.source,
                    url,
                    f"response larger than the {self.max_bytes:,}-byte limit",
                    permanent=True,
                )
            chunks.append(chunk)
        return b"".join(chunks)


def http_client(settings: Settings, source: str, **overrides: Any) -> HttpClient:
    """The client of `source` as configured: timeout, retries, contact, kept answers."""
    store = AnswerStore(
        settings.http_cache_dir, datetime.timedelta(hours=settings.http_max_age_hours)
    )
    options: dict[str, Any] = {
        "timeout_s": settings.http_timeout_s,
        "max_retries": settings.http_max_retries,
        "user_agent": user_agent(settings.contact),
        "store": store,
    }
    options.update(overrides)
    return HttpClient(source=source, **options)


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
