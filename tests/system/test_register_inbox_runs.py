"""The real nightly job (in this process) on a private copy of the data, one inbox change after
another, and what analysts see in the published file: the failures issue 18 lists (a bad register
blocking every city, published projects removed by an unreadable or vanished file or a wrong inbox
setting, a damaged published file never repaired, a file that came back unchanged not read again,
an edited ISO 4217 list ignored). The bad files come from the corpus's makers
(tests/helpers/register_corpus.py).
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest

from tests.helpers.pipeline import failure_text, query, sha256
from tests.helpers.pipeline import run_nightly as run_job
from tests.helpers.register_corpus import (
    BUNDLED_ID,
    LONG,
    SECRET,
    good,
    hidden_stale_first_sheet,
    unclosed_quote,
)
from tests.helpers.registers import REPO, csv_text, row, write_xlsx


def _register(*rows: dict) -> str:
    return csv_text(list(rows))


A_GOOD = _register(row(project_id="EX-A1"), row(project_id="EX-A2", city="Chiang Mai"))
B_GOOD = _register(row(project_id="EX-B1"), row(project_id="EX-B2", currency="THB", cost="1000"))


@dataclass
class Snapshot:
    ok: bool
    failure: str
    sha: str
    projects: dict[str, str]  # source_project_id -> record_flags (register rows of marts.projects)
    feedback: dict[str, tuple]  # file -> (status, rows_loaded, rows_kept, reason)
    rejects: list[tuple]  # (file name, row, field, reason)
    repaired: bool
    everything: str  # every text cell of the quarantine and feedback tables


def _snapshot(result, warehouse: Path) -> Snapshot:
    db = warehouse / "ascn.duckdb"
    ok = result.success
    projects = dict(
        query(db, "select source_project_id, record_flags from marts.projects "
                  "where source_id = 'project_register'")
    )  # fmt: skip
    feedback = {
        f: (st, loaded, kept, reason)
        for f, st, loaded, kept, reason in query(
            db,
            "select file, status, rows_loaded, rows_kept_from_last_good, reason "
            "from quarantine.file_feedback where source = 'project_register'",
        )
    }
    rejects = [
        (Path(uri or "").name, n, f, r)
        for uri, n, f, r in query(
            db, "select source_uri, row_number, field, reason from quarantine.rejected_rows "
            "where source = 'project_register' order by all"
        )
    ]  # fmt: skip
    everything = "\n".join(
        str(v)
        for table in ("quarantine.rejected_rows", "quarantine.file_feedback")
        for r in query(db, f"select * from {table}")  # noqa: S608 - constant names
        for v in r
    )
    events = [
        e for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["publish", "warehouse"])
    ]  # fmt: skip
    repaired = bool(events) and "repaired" in events[-1].materialization.metadata
    return Snapshot(ok, failure_text(result), sha256(db), projects, feedback, rejects, repaired,
                    everything)  # fmt: skip


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Snapshot]:
    """One warehouse, one inbox change after another (R0 ... R9); a snapshot after each run."""
    root = tmp_path_factory.mktemp("register_pipeline")
    data, inbox, warehouse = root / "data", root / "inbox", root / "warehouse"
    shutil.copytree(REPO / "data", data)
    inbox.mkdir()
    env = {
        "ASCN_DATA_DIR": str(data),
        "ASCN_INBOX_DIR": str(inbox),
        "ASCN_OUTPUT_DIR": str(warehouse),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }
    out: dict[str, Snapshot] = {}

    def run(name: str, **overrides: str) -> None:
        with pytest.MonkeyPatch.context() as mp:
            result = run_job(mp, env | overrides)
        out[name] = _snapshot(result, warehouse)

    (inbox / "a.csv").write_text(A_GOOD)
    (inbox / "b.csv").write_text(B_GOOD)
    run("R0 two good registers")
    run("R1 unchanged")
    # R2: a.csv replaced by an unreadable version (UTF-16 without BOM); new files: a cell over
    # csv's 131,072-character limit, an id already in b.csv, an unclosed quote, a partial upload,
    # a hidden stale first sheet, an .xls, a symbolic link to a file outside the inbox.
    (inbox / "a.csv").write_bytes(A_GOOD.encode("utf-16-le"))
    (inbox / "c.csv").write_text(_register(row(project_id="EX-C1"),
                                           row(project_id="EX-C2", title=LONG)))  # fmt: skip
    (inbox / "d.csv").write_text(_register(row(project_id="EX-B1"), row(project_id="EX-D2")))
    (inbox / "e.csv").write_text(unclosed_quote().replace("EX-", "EX-E"))
    (inbox / "g.csv").write_text(good("EX-G1", "EX-G2")[: -len("ample.org/register\n")])
    write_xlsx(inbox, [row(project_id="EX-F1")], name="f.xlsx", mutate=hidden_stale_first_sheet)
    (inbox / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (root / "secret.csv").write_text(f"{SECRET}\n")
    (inbox / "link.csv").symlink_to(root / "secret.csv")
    run("R2 bad files")
    (inbox / "b.csv").unlink()
    (inbox / "d.csv").unlink()  # its copy of EX-B1 would take over (the only copy read)
    run("R3 b.csv vanished")
    (inbox / "b.csv").write_text(B_GOOD)
    run("R4 b.csv back unchanged")
    (inbox / "a.csv").unlink()
    (inbox / "a.csv.removed").write_text("")
    run("R5 a.csv removed on purpose")
    iso = data / "reference" / "iso4217_currencies.csv"
    iso.write_text("".join(x for x in iso.read_text().splitlines(keepends=True)
                           if not x.startswith("THB,")))  # fmt: skip
    run("R6 THB no longer in the ISO 4217 list")
    run("R7 inbox setting names a missing folder", ASCN_INBOX_DIR=str(root / "inbx"))
    published = warehouse / "ascn.duckdb"
    published.chmod(0o644)
    with published.open("r+b") as f:  # damage a block of the published file
        f.seek(8192)
        f.write(bytes(4096))
    out["R8 damaged"] = dataclasses.replace(
        out["R7 inbox setting names a missing folder"], sha=sha256(published)
    )
    run("R9 unchanged after the damage")
    return out


TODAY_RUN = datetime.now(UTC).date().isoformat()
KEPT = f'["from_last_good_version:{TODAY_RUN}"]'


@pytest.mark.slow
def test_good_registers_are_published_and_an_unchanged_rerun_keeps_the_file(runs) -> None:
    r0, r1 = runs["R0 two good registers"], runs["R1 unchanged"]
    assert r0.ok, r0.failure
    assert set(r0.projects) >= {"EX-A1", "EX-A2", "EX-B1", "EX-B2", BUNDLED_ID}
    assert r1.ok and r1.sha == r0.sha


@pytest.mark.slow
def test_one_bad_register_never_blocks_the_others(runs) -> None:
    """Issue 18: a cell over 131,072 characters raised _csv.Error and failed the run; the same
    id in two files failed the blocking staging check naming no file; nothing was published."""
    r2 = runs["R2 bad files"]
    assert r2.ok, r2.failure
    assert {"EX-C1", "EX-D2", "EX-E1", "EX-E6", "EX-G1", "EX-F1", "EX-B1"} <= set(r2.projects)
    assert ("c.csv", 2, "title", "cell_too_long (140,000 characters; the limit is 32,767, "
            "ASCN_REGISTER_MAX_CELL_CHARS)") in r2.rejects  # fmt: skip
    (dup,) = [r for r in r2.rejects if r[0] == "d.csv"]
    assert dup[1:3] == (1, "project_id")
    assert "b.csv row 1; d.csv row 1" in dup[3] and "published from b.csv row 1" in dup[3]


@pytest.mark.slow
def test_an_unreadable_replacement_keeps_the_last_good_rows_published(runs) -> None:
    """Issue 18: replacing a register by an unreadable (UTF-16) version unpublished its rows."""
    r2 = runs["R2 bad files"]
    assert r2.projects["EX-A1"] == KEPT and r2.projects["EX-A2"] == KEPT
    status, loaded, kept, reason = r2.feedback["a.csv"]
    assert (status, loaded, kept) == ("refused", 0, 2)
    assert "UTF-16 encoded without a byte-order mark" in reason
    assert f"its 2 row(s) of {TODAY_RUN} stay published" in reason


@pytest.mark.slow
def test_unclosed_quote_and_partial_upload_are_quarantined_with_the_reason(runs) -> None:
    """Issue 18: an unclosed quote swallowed the next rows with no quarantine entry; a partial
    upload cut inside a URL was published as a valid URL."""
    r2 = runs["R2 bad files"]
    assert not {"EX-E2", "EX-E3", "EX-E4", "EX-E5", "EX-G2"} & set(r2.projects)
    assert any(r[:3] == ("e.csv", 2, "title") and r[3].startswith("unclosed_quote")
               for r in r2.rejects)  # fmt: skip
    assert any(r[:3] == ("g.csv", 2, "source") and r[3].startswith("last_row_cut")
               for r in r2.rejects)  # fmt: skip


@pytest.mark.slow
def test_only_what_is_meant_is_read(runs) -> None:
    """Issue 18: a hidden stale first sheet was read instead of the visible one; a symbolic link
    was followed and the first line of its target published in a quarantine reason; .xls files
    were ignored silently."""
    r2 = runs["R2 bad files"]
    assert "STALE-1" not in r2.projects and "EX-F1" in r2.projects
    assert "sheet 'old export' is hidden and was not read" in r2.feedback["f.xlsx"][3]
    link = r2.feedback["link.csv"]
    assert link[0] == "not_read" and "symbolic link" in link[3]
    assert SECRET not in r2.everything
    assert r2.feedback["old.xls"][0] == "not_read" and ".xlsx" in r2.feedback["old.xls"][3]


@pytest.mark.slow
def test_a_vanished_file_stays_published_and_is_read_again_when_it_returns(runs) -> None:
    """Issue 18: a register that vanished and came back unchanged stayed 'file not found'."""
    r3, r4 = runs["R3 b.csv vanished"], runs["R4 b.csv back unchanged"]
    assert r3.ok and r3.projects["EX-B1"] == KEPT and r3.projects["EX-B2"] == KEPT
    assert r3.feedback["b.csv"][0] == "missing" and "b.csv.removed" in r3.feedback["b.csv"][3]
    assert r4.ok and r4.projects["EX-B1"] == "[]" and r4.projects["EX-B2"] == "[]"
    assert r4.feedback["b.csv"][:3] == ("accepted", 2, 0)


@pytest.mark.slow
def test_a_file_removed_on_purpose_leaves_the_publication(runs) -> None:
    r5 = runs["R5 a.csv removed on purpose"]
    assert r5.ok and not {"EX-A1", "EX-A2"} & set(r5.projects)
    assert r5.feedback["a.csv"][0] == "removed"


@pytest.mark.slow
def test_an_edited_iso4217_list_is_seen_without_a_forced_run(runs) -> None:
    """Issue 18: an edited ISO 4217 list was ignored until a forced run."""
    r6 = runs["R6 THB no longer in the ISO 4217 list"]
    assert r6.ok, r6.failure
    assert ("b.csv", 2, "currency", "unknown_currency") in r6.rejects
    assert r6.projects["EX-B2"] == KEPT  # published before: kept from the last good version


@pytest.mark.slow
def test_an_inbox_setting_naming_a_missing_folder_fails_loudly(runs) -> None:
    """Issue 18: a typo in ASCN_INBOX_DIR unpublished every register row without a warning."""
    r6, r7 = (
        runs["R6 THB no longer in the ISO 4217 list"],
        runs["R7 inbox setting names a missing folder"],
    )
    assert not r7.ok
    assert "ASCN_INBOX_DIR=" in r7.failure and "inbx: the inbox folder does not exist" in r7.failure
    assert r7.sha == r6.sha and r7.projects == r6.projects


@pytest.mark.slow
def test_a_damaged_published_file_is_republished_on_an_unchanged_run(runs) -> None:
    """Issue 18: publish was skipped as unchanged because the damaged file existed."""
    damaged, r9 = runs["R8 damaged"], runs["R9 unchanged after the damage"]
    assert r9.ok, r9.failure
    assert r9.repaired and r9.sha != damaged.sha
    assert r9.projects == runs["R6 THB no longer in the ISO 4217 list"].projects
