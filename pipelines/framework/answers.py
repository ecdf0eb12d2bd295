"""Kept answers: every successful HTTP answer, with its request, so a retry resumes, not redoes.

Each answer a client accepted (status 2xx, checked against its request) is written to
``<output>/cache/http/<source>/<key>.body`` and ``<key>.json``: the request (method, URL,
parameters, form data), the final URL, status, content hash (sha256), size, the time it was
fetched and last confirmed, and the validators the server gave (ETag, Last-Modified).

Why files and not a table in the build file: an answer must survive exactly the failures it is
there for. A file is on disk the moment its ``os.replace`` returns, whatever happens to the run
afterwards (a later request fails, the step or the process is killed, the build file is found
unreadable and deleted, a step runs in another process); it needs no DuckDB connection or lock
inside the HTTP client, and two clients in two step processes can keep answers at the same
time. The body is written before its record, and a record whose body does not match its hash
is ignored, so a half-written answer is never served.

Freshness: an answer confirmed less than `max_age` ago is reused without a request; an older
one is revalidated (a conditional request when it has validators, a 304 confirms it) or fetched
again. Request headers are never kept (they may carry an API key).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

#: response headers kept with an answer (validators for conditional requests, and the type)
KEPT_HEADERS = ("ETag", "Last-Modified", "Content-Type")
_SOURCE = re.compile(r"^[A-Za-z0-9_.-]+$")


def request_key(
    method: str,
    url: str,
    params: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
) -> str:
    """sha256 of the request as sent (method, URL, sorted parameters and form fields)."""
    canonical = json.dumps(
        [method.upper(), url, sorted((str(k), str(v)) for k, v in (params or {}).items()),
         sorted((str(k), str(v)) for k, v in (data or {}).items())],
        ensure_ascii=False,
    )  # fmt: skip
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class KeptAnswer:
    """One kept answer: its request, what the server sent, and when."""

    key: str
    source: str
    method: str
    url: str  # as requested (without the query string of `params`)
    params: dict[str, str]
    data: dict[str, str]
    final_url: str  # as answered (with the query string)
    status: int
    headers: dict[str, str]  # KEPT_HEADERS present in the answer
    sha256: str
    size: int
    fetched_at: str  # ISO 8601 UTC: when the body was last received
    confirmed_at: str  # ISO 8601 UTC: when the server last gave or confirmed (304) it

    @property
    def validators(self) -> dict[str, str]:
        """Conditional-request headers for this answer (If-None-Match / If-Modified-Since)."""
        out = {}
        if self.headers.get("ETag"):
            out["If-None-Match"] = self.headers["ETag"]
        if self.headers.get("Last-Modified"):
            out["If-Modified-Since"] = self.headers["Last-Modified"]
        return out


@dataclass
class AnswerStore:
    """Kept answers under `folder`, one sub-folder per source; see the module docstring."""

    folder: Path
    max_age: timedelta
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    def _paths(self, source: str, key: str) -> tuple[Path, Path]:
        if not _SOURCE.match(source):
            raise ValueError(f"source id {source!r} cannot name a folder")
        base = self.folder / source / key
        return base.with_suffix(".json"), base.with_suffix(".body")

    def get(self, source: str, key: str) -> tuple[KeptAnswer, bytes] | None:
        """The kept answer and its body, or None when absent, unreadable or not matching."""
        record_path, body_path = self._paths(source, key)
        try:
            kept = KeptAnswer(**json.loads(record_path.read_text(encoding="utf-8")))
            body = body_path.read_bytes()
        except (OSError, ValueError, TypeError):
            return None
        if kept.key != key or hashlib.sha256(body).hexdigest() != kept.sha256:
            return None  # half-written or edited: as if never kept
        return kept, body

    def is_fresh(self, kept: KeptAnswer) -> bool:
        confirmed = datetime.fromisoformat(kept.confirmed_at)
        return self.now() - confirmed < self.max_age

    def put(
        self,
        source: str,
        key: str,
        *,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        data: Mapping[str, Any] | None,
        final_url: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
    ) -> KeptAnswer:
        """Keep one answer (body first, then its record; each replaced atomically)."""
        stamp = self.now().isoformat()
        lower = {k.lower(): v for k, v in headers.items()}
        kept = KeptAnswer(
            key=key, source=source, method=method.upper(), url=url,
            params={str(k): str(v) for k, v in (params or {}).items()},
            data={str(k): str(v) for k, v in (data or {}).items()},
            final_url=final_url, status=status,
            headers={h: lower[h.lower()] for h in KEPT_HEADERS if h.lower() in lower},
            sha256=hashlib.sha256(body).hexdigest(), size=len(body),
            fetched_at=stamp, confirmed_at=stamp,
        )  # fmt: skip
        record_path, body_path = self._paths(source, key)
        _write_atomic(body_path, body)
        _write_atomic(record_path, json.dumps(asdict(kept), indent=1).encode())
        return kept

    def confirm(self, kept: KeptAnswer, headers: Mapping[str, str]) -> KeptAnswer:
        """The server confirmed a kept answer (304): fresh again, with any new validators."""
        lower = {k.lower(): v for k, v in headers.items()}
        fresh = {h: lower[h.lower()] for h in ("ETag", "Last-Modified") if h.lower() in lower}
        kept = replace(kept, confirmed_at=self.now().isoformat(), headers=kept.headers | fresh)
        record_path, _ = self._paths(kept.source, kept.key)
        _write_atomic(record_path, json.dumps(asdict(kept), indent=1).encode())
        return kept

    def forget(self, source: str, key: str) -> None:
        """Drop a kept answer (refused on reuse, or part of a series that must be refetched)."""
        for path in self._paths(source, key):
            path.unlink(missing_ok=True)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
