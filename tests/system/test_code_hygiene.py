"""Configuration and SQL hygiene, by scanning the code: every environment variable it reads is
documented in .env.example with the code's default and no secret, and no SQL is built by
formatting values. See docs/FAULTS.md (d).
"""

from __future__ import annotations

import ast
import os
import re
import time
from pathlib import Path

import pytest

from pipelines.settings import Settings
from tests.helpers.pipeline import REPO

ENV_EXAMPLE = REPO / ".env.example"
CODE_DIRS = ["pipelines", "assets", "checks", "warehouse", "scripts"]
ENV_CALLS = {("environ", "get"), ("environ", "setdefault"), ("environ", "pop"), ("os", "getenv")}


def parse(source: str) -> ast.Module:
    # CPython 3.11.7 ast.parse can raise a spurious "AST constructor recursion depth mismatch"
    # SystemError when another thread builds an AST at the same time (gh-106905, fixed in 3.11.8).
    for attempt in range(5):
        try:
            return ast.parse(source)
        except SystemError:
            if attempt == 4:
                raise
            time.sleep(0.05)
    raise AssertionError("unreachable")


def python_files(dirs: list[str]) -> list[Path]:
    return sorted(p for d in dirs for p in (REPO / d).rglob("*.py") if "__pycache__" not in p.parts)


def env_names_in(source: str) -> set[str]:
    """Names read with os.environ.get/[...]/setdefault, os.getenv, dg.EnvVar, or passed as an
    `ASCN_*` literal to a helper (e.g. settings._path("ASCN_DATA_DIR", ...))."""
    names: set[str] = set()
    for node in ast.walk(parse(source)):
        arg: ast.AST | None = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Attribute):
                owner = func.value
                owner_name = (
                    owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
                )
                if (owner_name, func.attr) in ENV_CALLS or func.attr == "EnvVar":
                    arg = node.args[0]
            elif isinstance(func, ast.Name) and func.id == "EnvVar":
                arg = node.args[0]
            first = node.args[0]
            if (
                arg is None
                and isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and re.fullmatch(r"ASCN_[A-Z0-9_]+", first.value)
            ):
                arg = first
        elif isinstance(node, ast.Subscript):
            value = node.value
            if isinstance(value, ast.Attribute) and value.attr == "environ":
                arg = node.slice
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            names.add(arg.value)
    return names


def env_example() -> dict[str, str | None]:
    """NAME -> value for `NAME=value` lines; None for documented but commented-out ones."""
    out: dict[str, str | None] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        m = re.fullmatch(r"(#\s*)?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if m:
            out[m.group(2)] = None if m.group(1) else m.group(3).strip()
    return out


def test_env_names_scanner_finds_every_form() -> None:
    src = (
        'import os\nos.environ.get("A_1")\nos.environ["B_2"]\nos.getenv("C_3")\n'
        'dg.EnvVar("D_4")\n_path("ASCN_E", x)\nprint("NOT_A_VAR")\n'
    )
    assert env_names_in(src) == {"A_1", "B_2", "C_3", "D_4", "ASCN_E"}


def test_every_environment_variable_is_documented_in_env_example() -> None:
    read: dict[str, str] = {}
    for path in python_files(CODE_DIRS):
        for name in env_names_in(path.read_text()):
            read.setdefault(name, str(path.relative_to(REPO)))
    makefile = (REPO / "Makefile").read_text()
    for name in re.findall(r"\$\$?\{(\w+)", makefile) + re.findall(
        r"^export (\w+) \?=", makefile, re.M
    ):
        read.setdefault(name, "Makefile")
    assert {"ASCN_MODE", "ASCN_OUTPUT_DIR", "ASCN_FAILURE_WEBHOOK_URL", "DAGSTER_HOME"} <= set(read)
    missing = {n: where for n, where in read.items() if n not in env_example()}
    assert not missing, f"not documented in .env.example: {missing}"


def test_env_example_has_no_secrets_and_its_values_are_the_code_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    values = env_example()
    for name, value in values.items():
        if re.search(r"KEY|TOKEN|SECRET|PASSWORD|WEBHOOK", name):
            assert not value, f"{name} must be empty in .env.example"
    for name in list(os.environ):
        if name.startswith("ASCN_") or name == "IATI_API_KEY":
            monkeypatch.delenv(name)
    for name, value in values.items():
        if value is not None:
            monkeypatch.setenv(name, value)
    assert Settings.from_env() == Settings()


SQL_METHODS = {"execute", "executemany", "sql", "query"}


def formatted_sql_calls(source: str) -> list[tuple[int, bool]]:
    """(line, marked) for every SQL call whose text is built by formatting (f-string, %, format).
    `marked` means a `# noqa: S608` comment on one of the call's lines: identifiers only, checked
    against an allow-list (warehouse.db.checked_identifier or equivalent)."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SQL_METHODS
            and node.args
        ):
            continue
        sql = node.args[0]
        formatted = (
            isinstance(sql, ast.JoinedStr)
            or (isinstance(sql, ast.BinOp) and isinstance(sql.op, ast.Mod | ast.Add))
            or (
                isinstance(sql, ast.Call)
                and isinstance(sql.func, ast.Attribute)
                and sql.func.attr == "format"
            )
        )
        if formatted:
            span = lines[node.lineno - 1 : node.end_lineno]
            found.append((node.lineno, any("# noqa: S608" in line for line in span)))
    return found


def test_sql_format_scanner_catches_unmarked_and_accepts_marked() -> None:
    src = (
        'con.execute(f"select * from {t}")\n'
        'con.execute(f"select * from {t}")  # noqa: S608\n'
        'con.execute(\n    f"select {c}"  # noqa: S608\n)\n'
        'con.sql("select %s" % v)\n'
        'con.execute("select {}".format(v))\n'
        'con.execute("select " + v)\n'
        'con.execute("select $v", {"v": v})\n'
    )
    assert formatted_sql_calls(src) == [
        (1, False),
        (2, True),
        (3, True),
        (6, False),
        (7, False),
        (8, False),
    ]


def test_no_sql_is_built_by_formatting_values() -> None:
    unmarked = [
        f"{path.relative_to(REPO)}:{line}"
        for path in python_files([*CODE_DIRS, "tests"])
        for line, marked in formatted_sql_calls(path.read_text())
        if not marked
    ]
    assert not unmarked, (
        f"SQL built by formatting: {unmarked}. Bind values as $parameters; for identifiers use "
        "warehouse.db.checked_identifier and mark the line `# noqa: S608`."
    )
