"""Regenerate the sample workspace's returned forms in ``input/returns/2021-06/`` (deterministic).

About three in four units answer, as units do: most on schedule, some behind, a few not started, district
governments with their livelihood indicators; some answer late. Run: ``python -m tests.make_sample_returns``.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

import openpyxl

from reporter.forms.write import make_forms
from reporter.operations import import_notices, notice_files
from reporter.settings import load_workspace
from reporter.snapshot import load_snapshot
from reporter.store import Store
from tests.cycle_helpers import set_saved_time

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "examples" / "ningbo"
PERIOD = "2021-06"
PEOPLE = ["王晓东", "李红", "张伟", "陈静", "刘洋", "周敏", "徐磊", "孙丽", "胡斌", "朱琳"]


def _answer(rng: random.Random, expected: float, lead: bool, text: str) -> dict:
    topic = text.split("，")[0].split("。")[0][:24]
    roll = rng.random()
    if roll < 0.06:
        percent, status = 100, "已完成"
    elif roll < 0.11:
        percent, status = 0, "未启动"
    elif roll < 0.22:
        percent, status = max(1, round(expected - rng.uniform(12, 30))), "进度滞后"
    elif roll < 0.36:
        percent, status = max(1, round(expected - rng.uniform(2, 9))), "正常推进"
    else:
        percent, status = min(99, round(expected + rng.uniform(0, 15))), "正常推进"
    progress = (
        f"围绕“{topic}”，本单位牵头制定年度推进方案，已完成年度目标的{percent}%。"
        if lead
        else f"配合做好“{topic}”相关工作，按分工推进。"
    )
    if status == "已完成":
        progress = f"“{topic}”年度目标已全部完成。"
    if status == "未启动":
        progress = "前期准备中，尚未正式启动。"
    problems = (
        rng.choice(["受资金到位进度影响，部分项目推进偏慢。", "项目审批周期较长，开工时间推迟。"])
        if status == "进度滞后"
        else ""
    )
    plan = "下步将加快推进，确保按期完成年度目标。" if status != "已完成" else ""
    return {"progress": progress, "percent": percent, "status": status, "problems": problems, "plan": plan}


def main() -> None:
    target = SAMPLE / "input" / "returns" / PERIOD
    rng = random.Random(2021)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "ws"
        (root / "input").mkdir(parents=True)
        shutil.copy(SAMPLE / "reporter.toml", root / "reporter.toml")
        shutil.copytree(SAMPLE / "input" / "notices", root / "input" / "notices")
        workspace = load_workspace(root)
        with Store(workspace.store_path) as store:
            import_notices(workspace, notice_files(workspace), store)
            forms = make_forms(workspace, store, load_snapshot(workspace, store, workspace.period(PERIOD)))
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for plan, path in zip(forms.plans, forms.paths, strict=True):
            if rng.random() > 0.75:
                continue
            workbook = openpyxl.load_workbook(path)
            sheet = workbook["填报任务"]
            person, phone = rng.choice(PEOPLE), f"0574-8{rng.randint(1000000, 9999999)}"
            for row in range(4, sheet.max_row + 1):
                lead = sheet.cell(row, 5).value == "牵头"
                if not lead and rng.random() < 0.5:
                    continue
                values = _answer(rng, float(sheet.cell(row, 7).value or 50), lead, sheet.cell(row, 3).value)
                for column, key in ((8, "progress"), (9, "percent"), (10, "status"), (11, "problems"), (12, "plan")):
                    sheet.cell(row, column).value = values[key] or None
                sheet.cell(row, 14).value = person
                sheet.cell(row, 15).value = phone
            if "民生实事指标" in workbook.sheetnames:
                indicators = workbook["民生实事指标"]
                for row in range(4, indicators.max_row + 1):
                    goal = indicators.cell(row, 5).value
                    if isinstance(goal, int | float):
                        indicators.cell(row, 6).value = round(goal * rng.uniform(0.25, 0.8), 2)
            name = target / rng.choice(
                [f"{plan.unit}.xlsx", f"{plan.unit}6月进展.xlsx", f"{plan.unit}-填报表（已填）.xlsx"]
            )
            workbook.save(name)
            set_saved_time(name, datetime(2021, 6, rng.choice([18, 21, 22, 23, 24, 24, 25, 25, 27, 28]), 16, 30))
    print(f"wrote {len(list(target.iterdir()))} returned forms into {target}")


if __name__ == "__main__":
    main()
