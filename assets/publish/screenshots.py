"""Look at the report as a reader would: headless Chromium screenshots, print to PDF, page width.

`python -m assets.publish.screenshots [reports_dir]` (what `make report-screenshots` runs)
writes, for the summary page and Battambang's brief, desktop (1280 px) and phone (390 px)
screenshots and Battambang's printed brief (A4 PDF) to `<reports_dir>/screenshots/`, and prints
the printed page count. The browser tests call the same functions.

Chromium is the Debian package (`/usr/bin/chromium`); Khmer and Thai names need a font that has
them (Debian `fonts-noto-core`), otherwise they show as boxes in the screenshots.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DESKTOP, PHONE = 1280, 390
FIRST_CITY_PAGE = Path("city") / "khm-battambang.html"


def chromium_path() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def run_chromium(target: str, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """One headless Chromium run on `target` (a file:// URL) with a private profile."""
    browser = chromium_path()
    if browser is None:
        raise FileNotFoundError("chromium not found: apt-get install -y chromium")
    profile.mkdir(parents=True, exist_ok=True)
    return subprocess.run(  # noqa: S603 (fixed program, arguments built here)
        [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--disable-background-networking", "--disable-component-update", "--no-first-run",
            "--no-default-browser-check", f"--user-data-dir={profile}", "--enable-logging=stderr",
            "--v=0", *extra, target,
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def console_lines(stderr: str) -> list[str]:
    """Console messages Chromium logged (errors, uncaught exceptions, CSP violations)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def screenshot(page: Path, out: Path, width: int, height: int, profile: Path) -> list[str]:
    """A PNG of `page` at `width` x `height` CSS pixels; returns the console messages."""
    proc = run_chromium(page.resolve().as_uri(), profile, f"--screenshot={out}",
                        f"--window-size={width},{height}")  # fmt: skip
    if proc.returncode != 0 or not out.is_file():
        raise RuntimeError(f"screenshot of {page} failed: {proc.stderr[-1500:]}")
    return console_lines(proc.stderr)


def print_pdf(page: Path, out: Path, profile: Path) -> list[str]:
    """`page` printed to an A4 PDF with its print stylesheet (no header or footer lines)."""
    proc = run_chromium(page.resolve().as_uri(), profile, f"--print-to-pdf={out}",
                        "--no-pdf-header-footer")  # fmt: skip
    if proc.returncode != 0 or not out.is_file():
        raise RuntimeError(f"printing {page} failed: {proc.stderr[-1500:]}")
    return console_lines(proc.stderr)


def pdf_page_count(pdf: Path) -> int:
    """Pages of a Chromium PDF: its page objects (`/Type /Page`, not `/Pages`)."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf.read_bytes()))


def page_scroll_width(page: Path, width: int, profile: Path) -> int:
    """The document width of `page` in a `width`-pixel viewport: wider than `width` means the
    page scrolls sideways. Measured from a throwaway wrapper page (the report itself runs no
    script): an iframe of that width, read once it has loaded."""
    with tempfile.TemporaryDirectory() as tmp:
        wrapper = Path(tmp) / "measure.html"
        wrapper.write_text(
            "<!DOCTYPE html><html><body style='margin:0'>"
            f"<iframe id='f' src='{page.resolve().as_uri()}' style='width:{width}px;"
            "height:800px;border:0'></iframe><pre id='out'>pending</pre><script>"
            "document.getElementById('f').onload=function(){var d=this.contentDocument;"
            "document.getElementById('out').textContent='scrollWidth='+"
            "d.documentElement.scrollWidth;};</script></body></html>",
            encoding="utf-8",
        )
        proc = run_chromium(wrapper.as_uri(), profile, "--allow-file-access-from-files",
                            "--virtual-time-budget=10000", "--dump-dom")  # fmt: skip
    found = re.search(r"scrollWidth=(\d+)", proc.stdout)
    if not found:
        raise RuntimeError(f"could not measure {page}: {proc.stdout[-500:]} {proc.stderr[-500:]}")
    return int(found.group(1))


def write_screenshots(reports: Path) -> dict[str, object]:
    """Desktop and phone screenshots of the summary and of Battambang's brief, and the brief
    printed to PDF, in `reports/screenshots/`; returns paths, page count, console messages."""
    out = reports / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="ascn-chromium-"))
    console: list[str] = []
    try:
        brief = reports / FIRST_CITY_PAGE
        shots = {
            "summary_desktop": (reports / "index.html", DESKTOP, 2200),
            "summary_phone": (reports / "index.html", PHONE, 2400),
            "battambang_desktop": (brief, DESKTOP, 2400),
            "battambang_phone": (brief, PHONE, 3000),
            "battambang_top_desktop": (brief, DESKTOP, 800),
            "battambang_top_phone": (brief, PHONE, 844),
        }
        files: dict[str, object] = {}
        for name, (page, width, height) in shots.items():
            png = out / f"{name}.png"
            console += screenshot(page, png, width, height, profile)
            files[name] = png
        pdf = out / "battambang_brief.pdf"
        console += print_pdf(brief, pdf, profile)
        files["battambang_pdf"] = pdf
        files["printed_pages"] = pdf_page_count(pdf)
        files["console"] = console
        return files
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def main(argv: list[str]) -> int:
    from pipelines.settings import Settings

    reports = Path(argv[0]) if argv else Settings.from_env().reports_dir
    if not (reports / FIRST_CITY_PAGE).is_file():
        print(f"no report at {reports}: run `make run` first", file=sys.stderr)
        return 1
    files = write_screenshots(reports)
    for name, value in files.items():
        print(f"{name}: {value}")
    return 1 if files["console"] else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
