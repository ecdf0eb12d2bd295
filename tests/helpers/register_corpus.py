"""The bad-input corpus's machinery: a case (files written into a fresh inbox beside a good
bystander register, `zz_bystander.csv` with two EXAMPLE rows), reading that inbox with the bundled
documented projects exactly as `raw.project_register` does (listing, per-file isolation,
duplicates across files, feedback), what to expect of the outcome (refused, accepted,
quarantined, not read...) and the makers of the bad files.

The cases themselves are in tests/system/test_bad_input_corpus.py; the whole-pipeline runs on one
inbox (tests/system/test_register_inbox_runs.py) reuse the file makers.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from assets.projects.register import Limits
from assets.projects.register_batch import Batch
from assets.projects.register_landing import read_registers
from assets.projects.sources import DOCUMENTED_PROJECTS_FILE, RegisterListing
from pipelines.framework.inbox import scan
from tests.helpers.registers import REPO, TODAY, csv_text, example_lookups, row, write_xlsx

BUNDLED = REPO / "data" / "sources" / "projects" / DOCUMENTED_PROJECTS_FILE
BUNDLED_ID = "ADB-43319-033"  # its one row (data/sources/projects/documented_city_projects.csv)
BYSTANDER = "zz_bystander.csv"
BYSTANDER_IDS = {"BY-1", "BY-2"}
SECRET = "SECRET-first-line-of-a-file-outside-the-inbox"


@dataclass
class Outcome:
    batch: Batch
    inbox: Path

    def feedback(self, name: str) -> dict:
        rows = self.batch.feedback[self.batch.feedback["file"] == name]
        assert len(rows) == 1, self.batch.feedback.to_dict("records")
        return rows.iloc[0].to_dict()

    def ids(self, name: str | None = None) -> set[str]:
        rows = self.batch.rows
        if name is not None:
            rows = rows[rows["source_uri"] == str(self.inbox / name)]
        return set(rows["source_project_id"])

    def rejects(self, name: str) -> pd.DataFrame:
        r = self.batch.rejects
        return r[r["source_uri"] == str(self.inbox / name)]

    def text(self) -> str:
        """Everything the run tells anyone: reasons, values, feedback, warnings."""
        parts = [*self.batch.warnings, *self.batch.feedback["reason"].dropna()]
        parts += [str(v) for c in ("value", "reason") for v in self.batch.rejects[c].dropna()]
        return "\n".join(parts)


@dataclass(frozen=True)
class Case:
    id: str
    make: Callable[[Path], object]
    expect: Callable[[Outcome], None]
    limits: Limits = field(default_factory=Limits)


def run_case(case: Case, tmp_path: Path) -> Outcome:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / BYSTANDER).write_text(
        csv_text([row(project_id="BY-1"), row(project_id="BY-2", city="Chiang Mai")])
    )
    case.make(inbox)
    listing = RegisterListing([BUNDLED], inbox.resolve(), scan(inbox))
    batch = read_registers(
        listing, example_lookups(), pd.DataFrame(), limits=case.limits, today=TODAY
    )
    return Outcome(batch, inbox.resolve())


# ----------------------------------------------------------------------------- what to expect
def refused(name: str, *fragments: str) -> Callable[[Outcome], None]:
    def check(o: Outcome) -> None:
        fb = o.feedback(name)
        assert fb["status"] == "refused", fb
        assert fb["reason"].startswith(f"{name}:"), fb["reason"]
        for fragment in fragments:
            assert fragment in fb["reason"], (fragment, fb["reason"])
        assert "nothing of it is published" in fb["reason"]
        assert not o.ids(name)
        whole = o.rejects(name)
        assert len(whole) == 1 and whole.iloc[0]["reason"].startswith(f"{name}:")

    return check


def accepted(name: str, ids: set[str], *notes: str) -> Callable[[Outcome], None]:
    def check(o: Outcome) -> None:
        fb = o.feedback(name)
        assert fb["status"] == "accepted", fb
        assert (fb["rows_in_file"], fb["rows_loaded"], fb["rows_quarantined"]) == (
            len(ids),
            len(ids),
            0,
        )
        assert o.ids(name) == ids
        for note in notes:
            assert note in (fb["reason"] or ""), (note, fb["reason"])

    return check


def quarantined(
    name: str, published: set[str], bad: list[tuple[int, str, str]], rows_in_file: int
) -> Callable[[Outcome], None]:
    """`bad`: (row number, field, start of the reason) of every quarantine row of the file."""

    def check(o: Outcome) -> None:
        assert o.ids(name) == published
        got = sorted((int(r.row_number), r.field, r.reason) for r in o.rejects(name).itertuples())
        assert len(got) == len(bad), got
        for (n, f, reason), (want_n, want_f, want_reason) in zip(got, sorted(bad), strict=True):
            assert (n, f) == (want_n, want_f), got
            assert reason.startswith(want_reason), (reason, want_reason)
        fb = o.feedback(name)
        assert fb["status"] == "partial", fb
        assert fb["rows_in_file"] == rows_in_file
        assert fb["rows_loaded"] == len(published)
        assert fb["rows_quarantined"] == len({n for n, _, _ in bad})
        assert "quarantined: see quarantine.rejected_rows" in fb["reason"]

    return check


def not_read(name: str, fragment: str) -> Callable[[Outcome], None]:
    def check(o: Outcome) -> None:
        fb = o.feedback(name)
        assert fb["status"] == "not_read", fb
        assert fb["reason"].startswith("not read: ") and fragment in fb["reason"], fb["reason"]
        assert fb["rows_loaded"] == 0

    return check


def both(*checks: Callable[[Outcome], None]) -> Callable[[Outcome], None]:
    def check(o: Outcome) -> None:
        for c in checks:
            c(o)

    return check


# ----------------------------------------------------------------------------- file makers
def raw_file(name: str, data: bytes | Callable[[], bytes]) -> Callable[[Path], object]:
    return lambda inbox: (inbox / name).write_bytes(data() if callable(data) else data)


def text_file(name: str, text: str, encoding: str = "utf-8") -> Callable[[Path], object]:
    return raw_file(name, text.encode(encoding))


def good(*ids: str, **overrides: str) -> str:
    return csv_text([row(project_id=i, **overrides) for i in ids])


LINES = good("EX-1", "EX-2", "EX-3").splitlines(keepends=True)  # header + three rows
GOOD_ROW = LINES[1].rstrip("\n")


def xlsx(name: str, mutate: Callable | None = None, rows: list[dict] | None = None, **kw):
    rows = rows if rows is not None else [row(project_id="EX-X1")]
    return lambda inbox: write_xlsx(inbox, rows, name=name, mutate=mutate, **kw)


def hidden_stale_first_sheet(wb) -> None:
    stale = wb.create_sheet("old export", 0)
    stale.append(["project_id", "city", "title", "status", "source"])
    stale.append(["STALE-1", "khm-battambang", "EXAMPLE stale", "active", "https://example.org"])
    stale.sheet_state = "hidden"


def two_visible_sheets(wb) -> None:
    notes = wb.create_sheet("notes", 0)
    notes.append(["read me first"])


def rewrite_member(name: str, member: str, content: bytes) -> Callable[[Path], object]:
    """An xlsx whose `member` is replaced by `content` (malformed XML, huge parts...)."""

    def make(inbox: Path) -> None:
        source = write_xlsx(inbox, [row(project_id="EX-Z")], name=f"src-{name}")
        with zipfile.ZipFile(source) as zin, zipfile.ZipFile(inbox / name, "w") as zout:
            for info in zin.infolist():
                data = content if info.filename == member else zin.read(info)
                zout.writestr(info, data)
        source.unlink()

    return make


def small_bomb(name: str) -> Callable[[Path], object]:
    """A valid workbook plus a 5 MB member of zeros (about 5 KB compressed)."""

    def make(inbox: Path) -> None:
        path = write_xlsx(inbox, [row(project_id="EX-B")], name=name)
        with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("xl/media/padding.bin", bytes(5_000_000))

    return make


def symlink_outside(name: str) -> Callable[[Path], object]:
    def make(inbox: Path) -> None:
        target = inbox.parent / "outside.csv"
        target.write_text(f"{SECRET}\n1,2,3\n")
        (inbox / name).symlink_to(target)

    return make


def symlink_inside(name: str) -> Callable[[Path], object]:
    def make(inbox: Path) -> None:
        (inbox / "real.csv.txt").write_text(good("EX-L"))
        (inbox / name).symlink_to(inbox / "real.csv.txt")

    return make


def fifo(name: str) -> Callable[[Path], object]:
    return lambda inbox: os.mkfifo(inbox / name)


def folder(name: str) -> Callable[[Path], object]:
    def make(inbox: Path) -> None:
        (inbox / name).mkdir()
        (inbox / name / "inner.csv").write_text(good("EX-IN"))

    return make


def unclosed_quote() -> str:
    # Row 2's title opens a quote that the "EX-5" row's quoted title closes: rows EX-3 and EX-4
    # (file lines 4-5) are read into row 2's title; EX-6 (line 7) is read normally.
    lines = [
        LINES[0].rstrip("\n"),
        GOOD_ROW,  # line 2, EX-1
        GOOD_ROW.replace("EX-1", "EX-2").replace("EXAMPLE drainage works", '"EXAMPLE unclosed'),
        GOOD_ROW.replace("EX-1", "EX-3"),
        GOOD_ROW.replace("EX-1", "EX-4"),
        GOOD_ROW.replace("EX-1", "EX-5").replace("EXAMPLE drainage works", 'closes it"'),
        GOOD_ROW.replace("EX-1", "EX-6"),
    ]
    return "\n".join(lines) + "\n"


def non_money(code: str) -> Case:
    return Case(
        f"currency_{code}",
        text_file("money.csv", good("EX-OK") + good("EX-M", currency=code).split("\n", 1)[1]),
        quarantined("money.csv", {"EX-OK"}, [(2, "currency", "not_a_money_currency")], 2),
    )


def row_fault(case_id: str, field_name: str, reason: str, **overrides: str) -> Case:
    text = good("EX-OK") + good("EX-BAD", **overrides).split("\n", 1)[1]
    return Case(
        case_id,
        text_file("rows.csv", text),
        quarantined("rows.csv", {"EX-OK"}, [(2, field_name, reason)], 2),
    )


def every_sheet_hidden(inbox: Path) -> None:
    path = write_xlsx(inbox, [row()], name="hid.xlsx")
    # openpyxl refuses to save a workbook without a visible sheet: edit the saved XML instead.
    with zipfile.ZipFile(path) as zin:
        parts = {i.filename: zin.read(i) for i in zin.infolist()}
    book = parts["xl/workbook.xml"]
    assert book.count(b'state="visible"') == 1, book
    parts["xl/workbook.xml"] = book.replace(b'state="visible"', b'state="hidden"')
    with zipfile.ZipFile(path, "w") as zout:
        for name, data in parts.items():
            zout.writestr(name, data)


def no_feedback_row(name: str) -> Callable[[Outcome], None]:
    def check(o: Outcome) -> None:
        assert name not in set(o.batch.feedback["file"])

    return check


def feedback_says(name: str, fragment: str) -> Callable[[Outcome], None]:
    def check(o: Outcome) -> None:
        assert fragment in o.feedback(name)["reason"]

    return check


def two_new_copies(o: Outcome) -> None:
    for name, own in (("a.csv", "EX-a"), ("b.csv", "EX-b")):
        assert o.ids(name) == {own}
        (rej,) = o.rejects(name).itertuples()
        assert (rej.row_number, rej.field, rej.value) == (1, "project_id", "EX-DUP")
        assert "a.csv row 1; b.csv row 1" in rej.reason
        assert "no copy is published until the id is unique" in rej.reason
        assert o.feedback(name)["status"] == "partial"


LONG = "x" * 140_000  # over csv's own 131,072-character field limit (it raised _csv.Error)
