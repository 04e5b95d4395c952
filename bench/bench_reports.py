"""The period's reports for the bundled sample workspace: the monthly 通报, 7 leaders' and 16 districts' briefs
with their Excel companions, and the 督查汇总表 (issue #14's bound: under 10 s).

Set-up (parsing the notices, collecting the 61 June returns) is not timed. Run: ``python bench/bench_reports.py``.
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from reporter.operations import collect_period, import_notices, render_reports
from reporter.settings import load_workspace
from reporter.store import Store

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ningbo"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "ws"
        shutil.copytree(SAMPLE / "input", root / "input")
        shutil.copy(SAMPLE / "reporter.toml", root / "reporter.toml")
        workspace = load_workspace(root)
        with Store(workspace.store_path) as store:
            import_notices(workspace, sorted(workspace.notices_dir.iterdir()), store)
        collect_period(workspace, [workspace.returns_dir / "2021-06"], "2021-06")
        rows = []
        for label in ("first run (templates written)", "second run"):
            start = time.perf_counter()
            result = render_reports(workspace, "2021-06")
            rows.append((label, time.perf_counter() - start, len(result.files)))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'step':<32}{'time':>10}{'files':>8}")
    for label, seconds, files in rows:
        print(f"{label:<32}{seconds:>9.1f}s{files:>8}")
    print(f"{'peak memory':<32}{peak:>9.0f}MB")
    if sys.argv[1:] == ["--check"] and rows[-1][1] >= 10:
        raise SystemExit("reports took 10 s or more")


if __name__ == "__main__":
    main()
