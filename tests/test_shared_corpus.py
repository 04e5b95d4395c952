"""The parser on real notices of other governments (``../shared/notices-dev/``), scored against their truth.

The corpus lives beside the repository (it is not ours to copy into tests); the test is skipped, with the reason,
where it is absent. It prints the score and fails when it drops below the floor reached so far, so that a change
that helps one layout and breaks another is seen at once. The same matching as ``grade.py``: a truth record is
exact when a parsed task contains its text prefix and has the same leaders, the same first lead unit and the same
set of real (non-collective) units.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from reporter.notices.units import UnitDirectory
from reporter.operations import parse_file

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "notices-dev"
FLOOR = 0.95  # share of complete tasks exact; raise it as the parser improves, never lower it


def _grader():
    spec = importlib.util.spec_from_file_location("notices_dev_grade", CORPUS / "grade.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _score(tmp_path: Path) -> tuple[int, int, list[str]]:
    grade = _grader()
    n, real = grade.n, grade.real
    total = exact = 0
    lines: list[str] = []
    for truth_file in sorted((CORPUS / "truth").glob("[0-9][0-9].json")):
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        if not truth:
            continue
        source = next(CORPUS.glob(truth_file.stem + "_*.txt"))
        body = "\n".join(line for line in source.read_text(encoding="utf-8").splitlines() if not line.startswith("# "))
        path = tmp_path / f"{truth_file.stem}.txt"
        path.write_text(body, encoding="utf-8")
        outcome = parse_file(path, UnitDirectory())
        parsed = [t.to_dict() for t in outcome.notice.tasks] if outcome.notice else []
        ok = 0
        for record in truth:
            prefix = n(record["text_prefix"])[:10]
            for task in (t for t in parsed if prefix and prefix in n(t["text"])):
                units = task["lead_units"] + task["cooperating_units"]
                lead_ok = not record["lead_units"] or n(record["lead_units"][0]) in [n(u) for u in task["lead_units"]]
                if (
                    [n(x) for x in record["leaders"]] == [n(x) for x in task["leaders"]]
                    and lead_ok
                    and real(record["lead_units"] + record["cooperating_units"]) == real(units)
                ):
                    ok += 1
                    break
        total += len(truth)
        exact += ok
        lines.append(f"{truth_file.stem}: {ok}/{len(truth)}")
    return exact, total, lines


@pytest.mark.skipif(not (CORPUS / "grade.py").exists(), reason=f"共享样本目录不存在：{CORPUS}")
def test_shared_corpus_score(tmp_path, capsys):
    exact, total, lines = _score(tmp_path)
    with capsys.disabled():
        print(f"\nshared corpus: {exact}/{total} records exact ({exact / total:.0%}); " + ", ".join(lines))
    assert exact / total >= FLOOR, "\n".join(lines)
