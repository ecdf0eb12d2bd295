"""A project status holds as of a date: when it is current, and how it is shown when it is not.

Every status carries `status_as_of`, the date the source's answer held (the export's vintage,
the API's retrieval date, the register's receipt). A status older than
``Settings.status_max_age_days`` (``ASCN_STATUS_MAX_AGE_DAYS``, default three years) is *stale*:
it is shown "<status> as of <date>" and never counted as active.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

_OBJECT_ID = re.compile(r"^[0-9a-fA-F]{24}$")
_AS_OF_IN_NAME = re.compile(r"as_?of[_-]?(\d{4}-\d{2}-\d{2})", re.IGNORECASE)


def is_current(as_of: date | None, today: date, max_age_days: int) -> bool:
    """True when the status was stated at most `max_age_days` before `today`."""
    return as_of is not None and as_of >= today - timedelta(days=max_age_days)


def display(status: str | None, as_of: date | None, current: bool) -> str | None:
    """'active' when current; 'active as of 2013-12-18' when stale; None without a status."""
    if not status:
        return None
    if current:
        return status
    return f"{status} as of {as_of.isoformat()}" if as_of else f"{status} (date unknown)"


def object_id_date(record: dict[str, Any]) -> date | None:
    """The creation date in a MongoDB ObjectId (``{"_id": {"$oid": ...}}``): its first four
    bytes are the seconds since 1970 when the document was written, i.e. when this copy of the
    record was exported. The bundled 2013 World Bank sample carries one on every record."""
    oid = record.get("_id")
    text = oid.get("$oid") if isinstance(oid, dict) else None
    if not isinstance(text, str) or not _OBJECT_ID.match(text):
        return None
    return datetime.fromtimestamp(int(text[:8], 16), UTC).date()


def as_of_in_name(name: str) -> date | None:
    """The as-of date a file name states (``..._asof2025-03-31.csv``), if any."""
    m = _AS_OF_IN_NAME.search(name)
    if not m:
        return None
    try:
        return date.fromisoformat(m[1])
    except ValueError:
        return None
