"""`make audit`: pip-audit over the pinned dependencies, honest about what it could look up.

pip-audit exits 0 and prints "No known vulnerabilities found" even when its advisory service
answered for none of the dependencies (each is then skipped as "could not be audited"). This
asks pip-audit itself, through its JSON report: vulnerabilities fail; where it could audit no
dependency at all, the advisory service is unreachable from here and the audit is reported as
not done (exit 0 only with --allow-unreachable, as CI on a sandbox without it does).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    allow_unreachable = "--allow-unreachable" in argv
    pins = [line for line in (REPO / "constraints.txt").read_text().splitlines()
            if line.strip() and not line.startswith(("#", "-e"))]  # fmt: skip
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as req:
        req.write("\n".join(pins) + "\n")
        req.flush()
        done = subprocess.run(
            [str(Path(sys.executable).with_name("pip-audit")), "-r", req.name, "-f", "json",
             "--progress-spinner", "off"],
            capture_output=True, text=True,
        )  # fmt: skip
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        print(done.stderr.strip() or done.stdout.strip(), file=sys.stderr)
        return done.returncode or 1
    deps = report.get("dependencies", [])
    audited = [d for d in deps if not d.get("skip_reason")]
    vulnerable = [d for d in audited if d.get("vulns")]
    for dep in vulnerable:
        ids = ", ".join(v["id"] for v in dep["vulns"])
        print(f"VULNERABLE {dep['name']} {dep.get('version', '')}: {ids}")
    if vulnerable:
        return 1
    if not audited:
        print(
            "dependency audit NOT done: pip-audit reached no advisory data for any of the "
            f"{len(deps)} pinned dependencies (advisory service unreachable from here)"
        )
        return 0 if allow_unreachable else 2
    skipped = len(deps) - len(audited)
    print(f"dependency audit: {len(audited)} audited, no known vulnerabilities; {skipped} skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
