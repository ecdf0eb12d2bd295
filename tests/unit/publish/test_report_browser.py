"""The visual report in a real browser: headless Chromium loads the pages from file:// and
logs no console message (no error, no blocked load), the hand-made hostile names stay text, the
pages do not scroll sideways on a phone, Battambang's brief prints on at most two A4 pages, and
`make report-screenshots` (assets/publish/screenshots.py) writes its screenshots and PDF.
"""

from __future__ import annotations

import re
import shutil
import struct
from pathlib import Path

from assets.publish.report import render_report
from assets.publish.screenshots import (
    DESKTOP,
    PHONE,
    page_scroll_width,
    pdf_page_count,
    print_pdf,
    write_screenshots,
)
from tests.unit.publish.report_helpers import KHMER_BATTAMBANG, browse, chromium, tiny_db


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", data[16:24])


def test_browser_console_detection_can_fail(tmp_path: Path) -> None:
    """The console check below must see errors when there are some."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><title>bad</title><p>x</p>"
        "<script>console.error('boom'); undefinedFunction();</script>",
        encoding="utf-8",
    )
    _, console = browse(page, tmp_path, "--dump-dom")
    assert any("boom" in line for line in console), console
    assert any("Uncaught ReferenceError" in line for line in console), console


def test_page_count_and_width_checks_can_fail(tmp_path: Path) -> None:
    chromium()
    long_page = tmp_path / "long.html"
    long_page.write_text(
        "<!DOCTYPE html><title>long</title>" + "<p>line</p>" * 400, encoding="utf-8"
    )
    pdf = tmp_path / "long.pdf"
    print_pdf(long_page, pdf, tmp_path / "profile")
    assert pdf_page_count(pdf) > 2
    wide = tmp_path / "wide.html"
    wide.write_text(
        "<!DOCTYPE html><title>wide</title><div style='width:2000px'>x</div>", encoding="utf-8"
    )
    assert page_scroll_width(wide, PHONE, tmp_path / "profile") >= 2000


def test_report_in_headless_chromium(published: Path, tmp_path: Path) -> None:
    real_report = published / "reports"
    dom, console = browse(real_report / "index.html", tmp_path, "--dump-dom")
    assert console == []
    assert "Battambang" in dom and KHMER_BATTAMBANG in dom and "Phnom Penh" in dom
    assert 'id="coverage-heatmap"' in dom and "cell missing" in dom and "cell filled" in dom
    assert 'id="map"' in dom and 'class="gapdot"' in dom  # the map shows gaps as gaps

    page = real_report / "city" / "khm-battambang.html"
    dom, console = browse(page, tmp_path, "--dump-dom")
    assert console == []
    assert "Battambang" in dom and KHMER_BATTAMBANG in dom
    assert dom.count('<svg class="chart"') == 6  # one per ASCN focus area
    assert '<svg class="chart standing" id="standing"' in dom  # the summary's chart
    assert 'id="summary"' in dom and "In brief" in dom
    assert "no data: " in dom
    # Every SVG carries a <title> for screen readers, as its first child.
    svgs = re.findall(r"<svg\b[^>]*>\s*(<[a-z]+)", dom)
    assert svgs and all(first == "<title" for first in svgs), svgs


def test_pages_fit_a_phone(published: Path, tmp_path: Path) -> None:
    reports = published / "reports"
    for page in (reports / "index.html", reports / "city" / "khm-battambang.html"):
        assert page_scroll_width(page, PHONE, tmp_path / "profile") == PHONE, page
        assert page_scroll_width(page, DESKTOP, tmp_path / "profile") == DESKTOP, page


def test_screenshots_and_printed_brief(published: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    shutil.copytree(published / "reports", reports)
    files = write_screenshots(reports)
    assert files["console"] == []
    for name in ("summary", "battambang", "battambang_top"):
        assert _png_size(files[f"{name}_desktop"])[0] == DESKTOP
        assert _png_size(files[f"{name}_phone"])[0] == PHONE
        assert files[f"{name}_desktop"].parent == reports / "screenshots"
    # The printed brief: A4, at most two pages (the print stylesheet hides navigation and the
    # detail sections).
    assert 1 <= files["printed_pages"] <= 2
    assert b"/MediaBox [0 0 594.95996 841.91998]" in files["battambang_pdf"].read_bytes()  # A4


def test_escaped_page_in_headless_chromium(tmp_path: Path) -> None:
    render_report(tiny_db(tmp_path / "tiny.duckdb"), tmp_path / "reports")
    dom, console = browse(tmp_path / "reports" / "city" / "xxx-evil.html", tmp_path, "--dump-dom")
    assert console == []  # nothing executed, nothing blocked: the name is text
    assert "<script" not in dom and "<img" not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
