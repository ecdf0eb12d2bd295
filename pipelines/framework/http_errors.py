"""Reading error answers: the full error text, rate-limit and too-busy pages, stated delays.

Why a module of its own: servers say the same thing in many shapes. Overpass sends an XHTML page
whose first 200 characters are only the XML prolog and whose error lines sit in
``<strong style="color:#FF0000">Error</strong>: ...</p>`` (drolbr/Overpass-API web_output.cc);
the World Bank sends ``[{"message": [{"id", "key", "value"}]}]`` with HTTP 200; proxies send a
"Too Many Requests" page with HTTP 200. A message must carry the error line, not the prolog, and
a rate-limit page must be recognised by its text whatever its status (/tmp/research/apis.md §1.5).
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

#: longest error text kept in a message (the whole Overpass error list fits)
MAX_TEXT = 1000

_OVERPASS_ERROR = re.compile(
    r"<strong[^>]*>\s*Error\s*</strong>\s*:?\s*(.*?)\s*</p>", re.IGNORECASE | re.DOTALL
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_BLOCK = re.compile(r"<(h1|h2|p)\b[^>]*>(.*?)</\1>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")

# Recognised in the text of a non-JSON answer, whatever its HTTP status.
_RATE_LIMITED = re.compile(
    r"rate[_ -]?limit(ed)?\b|too many requests|quota of your ip address", re.IGNORECASE
)
_TOO_BUSY = re.compile(
    r"too busy|request_read_and_idx::timeout|server is (currently )?overloaded|"
    r"temporarily unavailable",
    re.IGNORECASE,
)
# "retry after 30 seconds", "try again in 20 s", "Slot available after: ..., in 20 seconds."
_STATED_DELAY = re.compile(
    r"\b(?:after|in|wait)\s+(\d{1,6}(?:\.\d+)?)\s*(?:seconds?|secs?|s)\b", re.IGNORECASE
)


def looks_like_json(body: bytes) -> bool:
    return body.lstrip()[:1] in (b"{", b"[")


def _clean(fragment: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()


def _json_text(payload: Any) -> str | None:
    """The message of a JSON error body (World Bank, IATI gateway, Overpass remark, generic)."""
    if isinstance(payload, list) and payload and isinstance(payload[0], dict):
        messages = payload[0].get("message")
        if messages:
            items = messages if isinstance(messages, list) else [messages]
            parts = [
                f"id {m.get('id')} {m.get('key')}: {m.get('value')}" if isinstance(m, dict)
                else str(m)
                for m in items
            ]  # fmt: skip
            return "; ".join(parts)
    if isinstance(payload, dict):
        for name in ("remark", "message", "error", "errors", "detail", "title"):
            value = payload.get(name)
            if value:
                return value if isinstance(value, str) else json.dumps(value)[:MAX_TEXT]
    return None


def error_text(body: bytes, limit: int = MAX_TEXT) -> str:
    """The error a server wrote in `body`: every Overpass error line, the JSON message, or the
    title and first heading/paragraph of an HTML page; else the start of the text."""
    text = body.decode("utf-8", "replace")
    found: str | None = None
    if looks_like_json(body):
        try:
            found = _json_text(json.loads(text))
        except ValueError:
            found = None
    elif "<" in text:
        lines = [_clean(m) for m in _OVERPASS_ERROR.findall(text)]
        if lines:
            found = "; ".join(line for line in lines if line)
        else:
            parts = [_clean(m) for m in _TITLE.findall(text)[:1]]
            parts += [_clean(m[1]) for m in _BLOCK.findall(text)[:2]]
            found = ": ".join(dict.fromkeys(p for p in parts if p)) or None
    result = found if found else _clean(text) if "<" in text else _SPACE.sub(" ", text).strip()
    if not result:
        return "(empty body)"
    return result if len(result) <= limit else result[: limit - 1] + "…"


def throttle_kind(body: bytes) -> str | None:
    """ "rate_limited" or "too_busy" when a non-JSON answer says so, else None.

    JSON answers are left to their client (a record could contain these words as data)."""
    if looks_like_json(body):
        return None
    text = body[:20000].decode("utf-8", "replace")
    if _RATE_LIMITED.search(text):
        return "rate_limited"
    if _TOO_BUSY.search(text):
        return "too_busy"
    return None


def stated_delay(body: bytes) -> float | None:
    """The delay in seconds a rate-limit or busy page asks for, if it states one."""
    match = _STATED_DELAY.search(_clean(body[:20000].decode("utf-8", "replace")))
    return float(match.group(1)) if match else None
