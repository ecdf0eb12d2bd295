"""The visual report in a real browser: headless Chromium loads the pages from file:// and
logs no console message (no error, no blocked load), and the hand-made hostile names stay text.
"""

from __future__ import annotations

from pathlib import Path

from assets.publish.report import render_report
from tests.unit.publish.report_helpers import KHMER_BATTAMBANG, browse, tiny_db


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


def test_report_in_headless_chromium(published: Path, tmp_path: Path) -> None:
    real_report = published / "reports"
    dom, console = browse(real_report / "index.html", tmp_path, "--dump-dom")
    assert console == []
    assert "Battambang" in dom and KHMER_BATTAMBANG in dom and "Phnom Penh" in dom
    assert 'id="coverage-heatmap"' in dom and "cell missing" in dom and "cell filled" in dom

    page = real_report / "city" / "khm-battambang.html"
    dom, console = browse(page, tmp_path, "--dump-dom")
    assert console == []
    assert "Battambang" in dom and KHMER_BATTAMBANG in dom
    assert dom.count("<svg") == 6  # one chart per ASCN focus area
    assert dom.count('class="dot-city"') > 6  # the highlighted city: 6 legends and its values
    assert "no data: " in dom

    shot = tmp_path / "battambang.png"
    _, console = browse(page, tmp_path, f"--screenshot={shot}", "--window-size=1280,2400")
    assert console == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


def test_escaped_page_in_headless_chromium(tmp_path: Path) -> None:
    render_report(tiny_db(tmp_path / "tiny.duckdb"), tmp_path / "reports")
    dom, console = browse(tmp_path / "reports" / "city" / "xxx-evil.html", tmp_path, "--dump-dom")
    assert console == []  # nothing executed, nothing blocked: the name is text
    assert "<script" not in dom and "<img" not in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
