"""docs/FAULTS.md, the fault matrix, cites only tests that exist."""

from __future__ import annotations

import re

from tests.helpers.pipeline import REPO


def test_fault_matrix_cites_only_existing_tests() -> None:
    """Every row of docs/FAULTS.md names at least one test, and every test it names exists."""
    defined = {
        (path.name, m)
        for path in (REPO / "tests").rglob("test_*.py")  # basenames are unique across tests/
        for m in re.findall(r"^def (test_\w+)", path.read_text(), re.M)
    }
    rows, cited = 0, set()
    for line in (REPO / "docs" / "FAULTS.md").read_text().splitlines():
        if not line.startswith("| ") or line.startswith(("| Fault", "|---")):
            continue
        rows += 1
        current = None  # a bare `::test_name` means the file named before it on the row
        names = re.findall(r"`(?:(test_\w+\.py))?(?:::)?(test_\w+)`", line)
        assert names or "same test" in line, f"row names no test: {line[:80]}"
        for file, name in names:
            current = file or current
            assert current, f"test named without its file: {name} in {line[:80]}"
            cited.add((current, name))
    missing = cited - defined
    assert rows > 30 and not missing, missing
