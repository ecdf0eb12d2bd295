"""Failure answers in the shapes the real servers send (see /tmp/research/apis.md §1.5, §2 and
docs/DOMAIN.md §4). Each function says where its shape comes from.

The *texts* of the Overpass pages are the server's own messages (drolbr/Overpass-API
`web_output.cc` and a recorded 429 page in aio-overpass's tests); the proxy rate-limit page is a
generic shape (a load balancer's page with HTTP 200), SYNTHETIC wording.
"""

from __future__ import annotations

from werkzeug import Response

from tests.helpers.replay import html_answer, json_answer

# The HTML head every Overpass error page starts with (web_output.cc `write_html_header`): the
# first 200 characters of such a page are only this prolog, never the error line.
_OSM3S_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"\n'
    '    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n<head>\n'
    '  <meta http-equiv="content-type" content="text/html; charset=utf-8" lang="en"/>\n'
    "  <title>OSM3S Response</title>\n</head>\n<body>\n\n"
    "<p>The data included in this document is from www.openstreetmap.org. "
    "The data is made available under ODbL.</p>\n"
)


def osm3s_page(*errors: str) -> str:
    """An Overpass HTML error page with one `<p><strong ...>Error</strong>: ...</p>` per error."""
    lines = "".join(f'<p><strong style="color:#FF0000">Error</strong>: {e} </p>\n' for e in errors)
    return _OSM3S_HEAD + lines + "\n</body>\n</html>\n"


OVERPASS_RATE_LIMITED = (
    "runtime error: open64: 0 Success /osm3s_osm_base "
    "Dispatcher_Client::request_read_and_idx::rate_limited. "
    "Please check /api/status for the quota of your IP address."
)
OVERPASS_TOO_BUSY = (
    "runtime error: open64: 0 Success /osm3s_osm_base "
    "Dispatcher_Client::request_read_and_idx::timeout. "
    "The server is probably too busy to handle your request."
)


def overpass_rate_limited(status: int = 429) -> Response:
    """Overpass refusing a query over the IP's quota: HTTP 429, HTML, no Retry-After header."""
    return html_answer(osm3s_page(OVERPASS_RATE_LIMITED), status=status)


def overpass_too_busy(status: int = 504) -> Response:
    """Overpass's dispatcher giving up: HTTP 504 (or 200 through some mirrors), HTML."""
    return html_answer(osm3s_page(OVERPASS_TOO_BUSY), status=status)


def overpass_parse_error(*errors: str) -> Response:
    """A query Overpass cannot parse: HTTP 400, HTML, one error line per problem."""
    errors = errors or ('line 1: parse error: Unknown type "bbox"',)
    return html_answer(osm3s_page(*errors), status=400)


def proxy_rate_limit_page(status: int = 200, retry_after_s: int = 30) -> Response:
    """A rate-limit page put in front of an API by a proxy, delivered with HTTP 200 and HTML.

    SYNTHETIC wording; the shape (HTML title and heading "Too Many Requests", the delay stated
    in the text, no Retry-After header) is what such front ends serve.
    """
    page = (
        "<!DOCTYPE html>\n<html><head><title>429 Too Many Requests</title></head>\n<body>\n"
        "<h1>Too Many Requests</h1>\n"
        f"<p>You have sent too many requests. Please retry after {retry_after_s} seconds.</p>\n"
        "</body></html>\n"
    )
    return html_answer(page, status=status)


def worldbank_error(
    error_id: str = "120",
    key: str = "Invalid value",
    value: str = "The provided parameter value is not valid",
    status: int = 200,
) -> Response:
    """The World Bank Indicators API's error body: HTTP 200, a one-element array (DOMAIN §4.1)."""
    body = [{"message": [{"id": error_id, "key": key, "value": value}]}]
    return json_answer(body, status=status)


def too_many_requests(retry_after: str = "7", body: str = "Too Many Requests") -> Response:
    """A plain HTTP 429 with a Retry-After header (seconds or an HTTP date)."""
    return Response(
        body, status=429, headers={"Retry-After": retry_after}, content_type="text/plain"
    )
