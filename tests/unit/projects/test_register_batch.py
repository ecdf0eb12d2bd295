"""Registers read together over two runs (assets.projects.register_batch): what the last good
version keeps published, when it ends, and how duplicates across files are settled.

Each test reads an inbox once (run 1, the store starts empty), changes it, and reads it again
with the store run 1 left (run 2), as `raw.project_register` does on two nights.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from assets.projects.register_batch import Batch, read_each
from assets.projects.register_landing import read_registers
from assets.projects.sources import RegisterListing
from pipelines.framework.inbox import scan
from tests.helpers.registers import csv_text, example_lookups, row

DAY1, DAY2 = date(2025, 6, 1), date(2025, 6, 2)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder.resolve()


def read(inbox: Path, store: pd.DataFrame | None = None, today: date = DAY1, lookups=None) -> Batch:
    listing = RegisterListing([], inbox, scan(inbox))
    store = pd.DataFrame() if store is None else store
    return read_registers(listing, lookups or example_lookups(), store, today=today)


def published(batch: Batch) -> dict[str, tuple[bool, object]]:
    """id -> (from_last_good_version, last_good_version_date)."""
    return {
        r.source_project_id: (bool(r.from_last_good_version), r.last_good_version_date)
        for r in batch.rows.itertuples()
    }


def status(batch: Batch, name: str) -> dict:
    (fb,) = batch.feedback[batch.feedback["file"] == name].to_dict("records")
    return fb


def test_a_refused_file_keeps_its_last_good_rows_with_that_versions_date(inbox: Path) -> None:
    (inbox / "a.csv").write_text(csv_text([row(project_id="EX-1"), row(project_id="EX-2")]))
    first = read(inbox)
    assert published(first) == {"EX-1": (False, None), "EX-2": (False, None)}
    (inbox / "a.csv").write_bytes(b"\x00" * 100)
    second = read(inbox, first.store, DAY2)
    assert published(second) == {"EX-1": (True, DAY1), "EX-2": (True, DAY1)}
    fb = status(second, "a.csv")
    assert (fb["status"], fb["rows_kept_from_last_good"]) == ("refused", 2)
    assert "its 2 row(s) of 2025-06-01 stay published" in fb["reason"]
    assert len(second.store) == 2  # the last good version is still the one of day 1


def test_a_project_whose_row_turns_bad_keeps_its_last_good_row(inbox: Path) -> None:
    (inbox / "a.csv").write_text(csv_text([row(project_id="EX-1"), row(project_id="EX-2")]))
    first = read(inbox)
    rows = [row(project_id="EX-1", status="almost done"), row(project_id="EX-2", title="new")]
    (inbox / "a.csv").write_text(csv_text(rows))
    second = read(inbox, first.store, DAY2)
    assert published(second) == {"EX-1": (True, DAY1), "EX-2": (False, None)}
    assert list(second.rejects["reason"]) == ["unknown_status"]
    fb = status(second, "a.csv")
    assert (fb["status"], fb["rows_loaded"], fb["rows_kept_from_last_good"]) == ("partial", 1, 1)


def test_a_row_deleted_from_a_readable_file_leaves_the_publication(inbox: Path) -> None:
    (inbox / "a.csv").write_text(csv_text([row(project_id="EX-1"), row(project_id="EX-2")]))
    first = read(inbox)
    (inbox / "a.csv").write_text(csv_text([row(project_id="EX-2")]))
    assert published(read(inbox, first.store, DAY2)) == {"EX-2": (False, None)}


def test_a_header_only_upload_keeps_the_rows_published_before(inbox: Path) -> None:
    (inbox / "a.csv").write_text(csv_text([row(project_id="EX-1")]))
    first = read(inbox)
    (inbox / "a.csv").write_text(csv_text([]))
    second = read(inbox, first.store, DAY2)
    assert published(second) == {"EX-1": (True, DAY1)}
    assert "header only: the rows published before are kept" in status(second, "a.csv")["reason"]


def test_an_unchanged_file_keeps_the_date_of_its_version(inbox: Path) -> None:
    (inbox / "a.csv").write_text(csv_text([row(project_id="EX-1")]))
    first = read(inbox)
    (inbox / "b.csv").write_text(csv_text([row(project_id="EX-2")]))  # another file changes
    second = read(inbox, first.store, DAY2)
    dates = dict(zip(second.store["source_project_id"], second.store["last_good_version_date"],
                     strict=True))  # fmt: skip
    assert dates == {"EX-1": DAY1, "EX-2": DAY2}


def test_a_renamed_file_publishes_its_rows_from_the_new_name(inbox: Path) -> None:
    (inbox / "old.csv").write_text(csv_text([row(project_id="EX-1")]))
    first = read(inbox)
    (inbox / "old.csv").rename(inbox / "new.csv")
    second = read(inbox, first.store, DAY2)
    assert published(second) == {"EX-1": (False, None)}
    assert set(second.rows["source_uri"]) == {str(inbox / "new.csv")}
    assert second.rejects.empty
    fb = status(second, "old.csv")
    assert fb["rows_kept_from_last_good"] == 0
    assert (
        fb["reason"]
        == "old.csv: no longer in the inbox; its projects are published from another file"
    )


def test_the_copy_published_before_keeps_a_duplicated_id(inbox: Path) -> None:
    (inbox / "b.csv").write_text(csv_text([row(project_id="EX-1")]))
    first = read(inbox)
    (inbox / "a.csv").write_text(csv_text([row(project_id="EX-1", title="EXAMPLE copy")]))
    second = read(inbox, first.store, DAY2)
    assert set(second.rows["source_uri"]) == {str(inbox / "b.csv")}
    (reason,) = second.rejects["reason"]
    assert reason == (
        "duplicate_project_id across files (a.csv row 1; b.csv row 1); "
        "published from b.csv row 1 (published before)"
    )


def test_a_marker_removes_a_vanished_file_and_is_ignored_while_the_file_is_there(
    inbox: Path,
) -> None:
    (inbox / "a.csv").write_text(csv_text([row(project_id="EX-1")]))
    first = read(inbox)
    (inbox / "a.csv.removed").write_text("")
    second = read(inbox, first.store, DAY2)
    assert published(second) == {"EX-1": (False, None)}  # still there: read, marker ignored
    assert "a.csv.removed ignored" in status(second, "a.csv.removed")["reason"]
    (inbox / "a.csv").unlink()
    third = read(inbox, second.store, DAY2)
    assert published(third) == {} and third.store.empty
    assert status(third, "a.csv")["status"] == "removed"


def test_a_kept_row_whose_city_left_the_registry_is_quarantined(inbox: Path) -> None:
    (inbox / "a.csv").write_text(csv_text([row(project_id="EX-1", city="Da Nang")]))
    first = read(inbox)
    (inbox / "a.csv").unlink()
    lookups = example_lookups()
    lookups.cities.ids.pop("vnm-da-nang")
    second = read(inbox, first.store, DAY2, lookups)
    assert published(second) == {}
    assert list(second.rejects["reason"]) == ["last_good_row_city_no_longer_in_registry"]


def test_any_exception_refuses_only_that_file(tmp_path: Path) -> None:
    def reader(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
        if path.name == "bad.csv":
            raise RuntimeError("disk read error")
        frame = pd.DataFrame({"source_project_id": ["EX-1"], "source_row": [1]})
        return frame, pd.DataFrame()

    paths = [tmp_path / "bad.csv", tmp_path / "good.csv"]
    for p in paths:
        p.write_text("x")
    bad, good = read_each(paths, reader)
    assert bad.error == "bad.csv: could not be read (RuntimeError: disk read error)"
    assert good.error is None and list(good.rows["source_project_id"]) == ["EX-1"]


def test_a_bad_company_register_is_refused_alone(tmp_path: Path) -> None:
    from assets.projects.companies import read_company_register
    from assets.projects.register_batch import company_feedback
    from assets.reference.vocabularies import focus_areas

    (tmp_path / "a.csv").write_bytes(b"\xff\xfe" + "company_id".encode("utf-16-le"))
    (tmp_path / "b.csv").write_text(
        "company_id,name,country_iso3\nC-1,EXAMPLE Co,JPN\nC-2,EXAMPLE Bad,ZZ\n"
    )
    areas = focus_areas()
    reads = read_each([tmp_path / "a.csv", tmp_path / "b.csv"],
                      lambda p: read_company_register(p, areas))  # fmt: skip
    fb = company_feedback(reads).set_index("file")
    assert fb.loc["a.csv", "status"] == "refused" and "UTF-16" in fb.loc["a.csv", "reason"]
    assert (fb.loc["b.csv", "status"], fb.loc["b.csv", "rows_loaded"]) == ("partial", 1)
    assert fb.loc["b.csv", "rows_quarantined"] == 1
