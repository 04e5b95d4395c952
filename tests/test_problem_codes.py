"""The registry of problem codes: complete, unique, well-formed, and documented in README.md (both ways)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reporter import problems
from reporter.io.workbooks import WorkbookRejected
from reporter.problems import (
    ERROR,
    FILE_EMPTY,
    FILE_TOO_LARGE,
    FORM_WRONG_WORKSPACE,
    REGISTRY,
    SEVERITY_LABELS,
    WARNING,
    Location,
    Problem,
    ProblemType,
)

README = Path(__file__).resolve().parent.parent / "README.md"

# Families of problem codes; a README code of one of these families must be registered.
KNOWN_FAMILIES = {"file", "form", "value", "task", "notice", "unit", "breakdown", "mail", "contacts"}
FAMILIES = sorted(KNOWN_FAMILIES | {code.split(".")[0] for code in REGISTRY})
# `breakdown.py`, `reporter.toml`, `台账.xlsx`… are file names, not codes.
FILE_SUFFIXES = "py toml md txt json xlsx xlsm xls et ods csv docx doc wps pdf html htm eml sqlite3 db yaml yml ini cfg"
README_CODE = re.compile(
    rf"`((?:{'|'.join(FAMILIES)})\.(?!(?:{'|'.join(FILE_SUFFIXES.split())})`)[a-z][a-z0-9]*(?:-[a-z0-9]+)*)`"
)
CODE_SHAPE = re.compile(r"[a-z]+\.[a-z0-9]+(?:-[a-z0-9]+)*")

PROBLEM_TYPES = sorted(REGISTRY.values(), key=lambda t: t.code)


def _readme() -> str:
    return README.read_text(encoding="utf-8")


def _readme_codes() -> set[str]:
    return set(README_CODE.findall(_readme()))


def test_registry_is_not_empty() -> None:
    assert len(REGISTRY) >= 50


def test_readme_pattern_finds_codes_and_skips_file_names() -> None:
    assert {"file.too-large", "breakdown.sum-mismatch", "unit.near-duplicate"} <= _readme_codes()
    assert not README_CODE.findall("`breakdown.py` `reporter.toml` `store.sqlite3` `台账.xlsx` `units.py`")


def test_every_code_in_readme_is_registered() -> None:
    unknown = sorted(_readme_codes() - REGISTRY.keys())
    assert not unknown, f"README.md names codes that are not in reporter.problems.REGISTRY: {unknown}"


@pytest.mark.parametrize("problem_type", PROBLEM_TYPES, ids=lambda t: t.code)
def test_code_documented_in_readme(problem_type: ProblemType) -> None:
    assert f"`{problem_type.code}`" in _readme(), f"README.md does not list `{problem_type.code}`"


@pytest.mark.parametrize("problem_type", PROBLEM_TYPES, ids=lambda t: t.code)
def test_problem_type_is_well_formed(problem_type: ProblemType) -> None:
    assert CODE_SHAPE.fullmatch(problem_type.code), problem_type.code
    assert REGISTRY[problem_type.code] is problem_type
    assert problem_type.severity in SEVERITY_LABELS
    assert problem_type.title.strip()
    assert problem_type.template.strip()
    assert all(name.isidentifier() for name in problem_type.fields)


@pytest.mark.parametrize("problem_type", PROBLEM_TYPES, ids=lambda t: t.code)
def test_problem_type_makes_a_problem(problem_type: ProblemType) -> None:
    fields = {name: 1 for name in problem_type.fields}
    location = Location(file="甲.xlsx", row=3)
    problem = problem_type.at(location, **fields)
    assert problem == Problem(problem_type.code, problem_type.message(**fields), problem_type.severity, location)
    assert problem.message.strip()


def test_constants_and_registry_agree() -> None:
    constants = {name: value for name, value in vars(problems).items() if isinstance(value, ProblemType)}
    codes = [value.code for value in constants.values()]
    assert len(codes) == len(set(codes)), "two constants share a code"
    assert set(codes) == set(REGISTRY)
    for name, value in constants.items():
        assert name == value.code.upper().replace(".", "_").replace("-", "_"), name


def test_registering_a_code_twice_raises() -> None:
    before = dict(REGISTRY)
    with pytest.raises(ValueError, match=r"file\.empty"):
        problems._register("file.empty", ERROR, "文件为空", "文件是空的")
    assert before == REGISTRY


def test_bad_severity_or_empty_text_is_refused() -> None:
    with pytest.raises(ValueError):
        ProblemType("x.bad", "fatal", "标题", "消息")
    with pytest.raises(ValueError):
        ProblemType("x.bad", WARNING, "", "消息")
    with pytest.raises(ValueError):
        ProblemType("x.bad", WARNING, "标题", "{a.b}")


def test_message_takes_exactly_its_fields() -> None:
    assert FORM_WRONG_WORKSPACE.fields == ("form_workspace", "workspace")
    with pytest.raises(TypeError):
        FORM_WRONG_WORKSPACE.message(form_workspace="甲")
    with pytest.raises(TypeError):
        FORM_WRONG_WORKSPACE.message(form_workspace="甲", workspace="乙", unit="丙")


def test_messages_are_the_documented_chinese_text() -> None:
    problem = FORM_WRONG_WORKSPACE.at(Location(file="a.xlsx"), form_workspace="甲市", workspace="乙市")
    assert problem.to_dict() == {
        "code": "form.wrong-workspace",
        "message": "这是“甲市”的填报表，不属于本工作区（乙市）",
        "severity": ERROR,
        "location": {"file": "a.xlsx"},
    }
    assert FILE_TOO_LARGE.message(size_mb=21.04, limit_mb=20) == (
        "文件过大（21.0 MB，上限 20 MB），填报表通常不足 1 MB，请删除粘贴的图片等内容后重新保存"
    )


def test_workbook_rejected_carries_a_registered_kind() -> None:
    rejected = WorkbookRejected(FILE_EMPTY)
    assert rejected.kind is FILE_EMPTY
    assert rejected.code == "file.empty"
    assert rejected.message == str(rejected) == "文件是空的（0 字节），可能保存或传输时出错，请重新报送"
    assert FILE_EMPTY.at(Location(file="a.xlsx"), **rejected.fields).message == rejected.message
