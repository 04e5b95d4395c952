"""Shared fixtures: the sample workspace copied into tmp_path, parsed sample notices, small notices built in code."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from reporter.operations import parse_files
from reporter.settings import load_workspace
from tests.mailservers import imap_server, smtp_server  # noqa: F401 - fixtures for the mail tests

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "examples" / "ningbo"  # the bundled sample workspace
NOTICE_2019 = "ningbo-2019-work-report-tasks.txt"
NOTICE_2021 = "ningbo-2021-work-report-tasks.txt"


@pytest.fixture(scope="session")
def sample_workspace_config():
    return load_workspace(SAMPLE)


@pytest.fixture(scope="session")
def sample_result(sample_workspace_config):
    """Both sample notices parsed together with the sample workspace's districts."""
    ws = sample_workspace_config
    return parse_files([ws.notices_dir / NOTICE_2019, ws.notices_dir / NOTICE_2021], ws.directory())


@pytest.fixture(scope="session")
def notices(sample_result):
    return {o.notice.meta.code: o.notice for o in sample_result.outcomes}


@pytest.fixture(scope="session")
def tasks(notices):
    return {t.id: t for n in notices.values() for t in n.tasks}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of the sample workspace (config and notices) in a temporary folder."""
    root = tmp_path / "督查工作区"
    (root / "input" / "notices").mkdir(parents=True)
    shutil.copy(SAMPLE / "reporter.toml", root / "reporter.toml")
    for name in (NOTICE_2019, NOTICE_2021):
        shutil.copy(SAMPLE / "input" / "notices" / name, root / "input" / "notices" / name)
    return root


SMALL_NOTICE = """\
某县人民政府办公室关于印发2024年政府工作报告目标任务责任分解的通知
某政办发〔2024〕3号
2024年政府工作报告目标任务责任分解
一、经济发展
1.地区生产总值增长6%左右。
牵头领导:张三
牵头单位:县发改局;配合单位:县统计局、县财政局
2.新增规上工业企业50家。
牵头领导：李四；牵头单位：县经信局配合单位：县市场监管局，各乡镇人民政府
二、社会事业
3.城镇登记失业率控制在3%以内，
新增就业5000人。
牵头领导：张三；
牵头单位：县人社局；配
合单位：县级有关部门
某县人民政府办公室
2024年2月1日
"""


@pytest.fixture
def small_notice_text() -> str:
    return SMALL_NOTICE


@pytest.fixture
def office():
    """LibreOffice and poppler; skipped locally with the reason when missing, a failure in CI."""
    missing = [tool for tool in ("soffice", "pdftotext", "pdfinfo") if shutil.which(tool) is None]
    if missing:
        message = f"未安装 {'、'.join(missing)}：无法用 LibreOffice 打开台账检查（CI 的 .ci/run 会安装）"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
