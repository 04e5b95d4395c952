"""The two real notices must come out right: counts, metadata, fields of specific tasks, tables, warnings."""

from __future__ import annotations

import pytest

from reporter.model import COOPERATING, LEAD, LIVELIHOOD, WORK
from reporter.notices.parser import parse_notice
from reporter.notices.read import read_notice_file
from tests.conftest import NOTICE_2021


def _count(notice, kind, part=None):
    return sum(1 for t in notice.tasks if t.kind == kind and (part is None or t.part == part))


def test_counts_2019(notices):
    notice = notices["2019"]
    assert _count(notice, WORK) == 187
    assert _count(notice, LIVELIHOOD) == 10
    assert [p["title"] for p in notice.parts] == [
        "2019年政府工作报告目标任务责任分解",
        "2019年市民生实事项目目标任务责任分解",
    ]
    assert len(notice.parts[0]["sections"]) == 11


def test_counts_2021(notices):
    notice = notices["2021"]
    assert _count(notice, WORK, "“十四五”主要目标任务") == 32
    assert _count(notice, WORK, "2021年工作目标任务") == 152
    assert _count(notice, LIVELIHOOD) == 10


def test_metadata(notices):
    n19, n21 = notices["2019"].meta, notices["2021"].meta
    assert (n19.issuer, n19.date, n19.year, n19.doc_number) == ("宁波市人民政府办公厅", "2019-03-01", 2019, "")
    assert (n21.issuer, n21.date, n21.year, n21.doc_number) == (
        "宁波市人民政府办公厅",
        "2021-03-08",
        2021,
        "甬政办发〔2021〕14号",
    )
    assert n21.title == "宁波市人民政府办公厅关于印发2021年政府工作报告目标任务责任分解的通知"


def test_ids_are_unique_readable_and_stable(notices, sample_workspace_config):
    ids = [t.id for n in notices.values() for t in n.tasks]
    assert len(ids) == len(set(ids)) == 197 + 194
    assert ids[0] == "2019-G-001" and "2021-G1-032" in ids and "2021-G2-152" in ids and ids[-1] == "2021-M-010"
    again = read_notice_file(sample_workspace_config.notices_dir / NOTICE_2021)
    reparsed = parse_notice(again.lines, source=NOTICE_2021, directory=sample_workspace_config.directory())
    assert [t.to_dict() for t in reparsed.tasks] == [t.to_dict() for t in notices["2021"].tasks]


@pytest.mark.parametrize(
    ("task_id", "field", "expected"),
    [
        ("2019-G-001", "text", "地区生产总值增长6.8%左右，在高质量前提下能快则快。"),
        ("2019-G-001", "section", "一、2019年经济社会发展主要目标"),
        ("2019-G-001", "leaders", ["市长", "副市长"]),
        ("2019-G-001", "lead_units", ["市发改委"]),
        ("2019-G-001", "cooperating_units", []),
        ("2019-G-002", "lead_units", ["市科技局"]),
        ("2019-G-002", "cooperating_units", ["市教育局"]),
        ("2019-G-011", "cooperating_units", ["人行市中心支行", "宁波银保监局", "宁波证监局"]),
        ("2019-G-042", "lead_units", ["市委组织部（市委人才办）"]),
        ("2019-G-187", "text", "深化扫黑除恶专项斗争，构建立体化、信息化社会治安防控体系，打造最具安全感的城市。"),
        ("2021-G1-001", "part", "“十四五”主要目标任务"),
        ("2021-G1-001", "section", ""),
        ("2021-G1-007", "text", "推进开发园区整合提升，力争建成3个“千亿级规模、百亿级税收”高能级平台。"),
        ("2021-G1-008", "cooperating_units", ["市商务局"]),  # and 市交通局 through 市交通局等有关部门
        ("2021-G1-028", "leader_label", "联系领导"),
        ("2021-G1-028", "leaders", ["许亚南"]),
        ("2021-G2-001", "text", "地区生产总值增长7%。"),
        ("2021-G2-009", "lead_units", ["市公安局", "市卫生健康委", "市市场监管局", "市外办"]),
        ("2021-G2-101", "lead_units", ["市发改委", "市经信局", "市交通局", "市能源局"]),
        ("2021-G2-152", "lead_units", ["市公安局"]),
        ("2019-M-001", "text", "老旧住宅小区改造"),
        ("2019-M-001", "target_text", "完成老旧住宅小区改造面积100万平方米"),
        ("2019-M-001", "responsible_persons", ["陈寿旦", "各区县（市）长"]),
        ("2019-M-001", "cooperating_units", ["市自然资源规划局", "市综合执法局", "市水利局", "市公安局", "市民政局"]),
        ("2019-M-002", "lead_units", ["市综合执法局（市生活垃圾分类处理与循环利用领导小组办公室）"]),
        (
            "2019-M-008",
            "lead_units",
            [
                "市水利局",
                "海曙区政府",
                "鄞州区政府",
                "奉化区政府",
                "余姚市政府",
                "慈溪市政府",
                "宁海县政府",
                "东钱湖管委会",
            ],
        ),
        ("2021-M-002", "leaders", ["卞吉安", "许亚南", "陈炳荣"]),
        (
            "2021-M-002",
            "cooperating_units",
            ["市财政局", "市大数据局", "市公安局", "市教育局", "市市场监管局", "市委老干部局", "宁波日报报业集团"],
        ),
    ],
)
def test_task_fields(tasks, task_id, field, expected):
    assert getattr(tasks[task_id], field) == expected


def _collectives(task):
    return [(c.name, c.role) for c in task.collective_units]


def test_collective_units_kept_apart_and_expanded(tasks):
    task = tasks["2019-G-001"]
    assert _collectives(task) == [
        ("市级其他有关部门", COOPERATING),
        ("各区县（市）政府", COOPERATING),
        ("开发园区管委会", COOPERATING),
    ]
    districts = task.collective_units[1].members
    assert len(districts) == 10 and districts[0] == "海曙区政府" and "象山县政府" in districts
    assert task.collective_units[0].members == []
    # a collective broken across lines by the source (…联席会议 / 办公室成员单位)
    assert _collectives(tasks["2021-G2-001"])[0] == ("市经济运行监测联席会议办公室成员单位", COOPERATING)
    # X等有关部门: X is a real unit, the rest is collective
    assert ("市交通局等有关部门", COOPERATING) in _collectives(tasks["2021-G1-008"])
    named = {c.name: c.members for c in tasks["2021-G1-008"].collective_units}["市交通局等有关部门"]
    assert named == ["市交通局"]  # the unit it names is responsible through it, and gets a form
    assert ("市交通局", COOPERATING, "市交通局等有关部门") in tasks["2021-G1-008"].units_by_role()
    # 相关开发园区管委会 expands to the zones that have a share in the project's breakdown
    zones = {c.name: c.members for c in tasks["2021-M-002"].collective_units}["相关开发园区管委会"]
    assert zones == ["杭州湾新区管委会", "大榭开发区管委会", "宁波国家高新区管委会", "东钱湖管委会"]
    # 责任单位 with 配合单位: 责任单位 are all leads, districts included
    assert _collectives(tasks["2019-M-001"]) == [("各区县（市）政府", LEAD)]


def test_label_broken_across_lines_and_missing_semicolon(tasks):
    task = tasks["2021-G2-101"]  # 牵头单位：…市能源局；配 / 合单位：市级有关部门…
    assert task.collective_units[0].name == "市级有关部门"
    assert task.leaders == ["陈仲朝", "陈炳荣", "沈敏"]
    # the task text itself was broken mid-word (运 / 输结构) with a blank line between the halves
    assert "调整优化产业结构、能源结构、运输结构，严控高耗能行业产能规模" in task.text


def test_quantitative_targets(tasks):
    def first(task_id):
        t = tasks[task_id].targets[0]
        return (t.indicator, t.comparator, t.value, t.unit, t.qualifier)

    assert first("2019-G-001") == ("地区生产总值", "增长", 6.8, "%", "左右")
    assert first("2021-G2-001") == ("地区生产总值", "增长", 7, "%", "")
    assert first("2021-G1-001") == ("地区生产总值", "达到", 1.7, "万亿元", "")
    assert first("2021-G2-014") == ("高新技术企业", "新增", 800, "家", "")
    unemployment = tasks["2021-G2-006"].targets[1]
    assert (
        unemployment.indicator,
        unemployment.comparator,
        unemployment.value,
        unemployment.qualifier,
        unemployment.bound,
    ) == ("城镇登记失业率", "控制在", 3.5, "以内", "at_most")


def test_breakdown_one_cell_per_line(tasks):
    row = tasks["2019-M-001"].breakdown[0]
    assert row.unit == "万平方米"
    assert row.values == {
        "海曙": 10,
        "江北": 5,
        "镇海": 8,
        "北仑": 11,
        "鄞州": 10,
        "奉化": 7,
        "余姚": 15,
        "慈溪": 18,
        "宁海": 8,
        "象山": 8,
    }
    assert row.total == 100 and row.check["ok"] and row.check["target_value"] == 100


def test_breakdown_decimals_and_not_applicable(tasks):
    assert tasks["2019-M-008"].breakdown[0].values == {
        "海曙": 0.08,
        "鄞州": 1,
        "奉化": 4.32,
        "余姚": 1.98,
        "慈溪": 0.08,
        "宁海": 2.5,
        "东钱湖": 0.04,
    }
    streets = tasks["2019-M-002"].breakdown[1]
    assert streets.indicator == "定时定点投放和清运商业街" and streets.unit == "条"
    assert streets.values["高新区"] is None and streets.values["奉化"] == 1 and streets.total == 15


def test_breakdown_multi_line_labels_and_department_columns(tasks):
    rows = tasks["2019-M-002"].breakdown
    assert (rows[0].indicator, rows[0].unit, rows[0].total) == ("示范小区", "个", 100)
    assert rows[2].table == "示范单位"
    assert rows[2].values == {
        "市教育局": 25,
        "市交通局": 5,
        "市商务局": 20,
        "市卫生健康委": 5,
        "市文广旅游局": 15,
        "市机关事务局": 30,
    }
    assert rows[2].check["ok"]
    assert tasks["2019-M-003"].breakdown[2].indicator == "无理由退货单位"
    assert tasks["2019-M-009"].breakdown[1].indicator == "救护培训"


def test_breakdown_tab_separated_rows(tasks):
    rows = tasks["2021-M-002"].breakdown
    assert [r.indicator for r in rows] == ["接种人数", "居家养老服务中心", "老年食堂", "手机操作培训"]
    assert rows[0].values["海曙"] == 4.92 and rows[0].values["东钱湖"] == 0.44 and rows[0].total == 45
    assert rows[1].values["杭州湾"] is None
    share = tasks["2021-M-004"].breakdown[0]
    assert share.percent and share.unit == "%" and share.values["高新区"] == 60 and share.total is None
    last = tasks["2021-M-010"].breakdown[0]
    assert last.columns[-1] == "石化开发区" and len(last.values) == 16 and last.total == 22
    gyms = tasks["2021-M-005"].breakdown
    assert gyms[0].check["combined"] and gyms[1].check["ok"]  # 百姓健身房 80 + 运动场 30 = 110


def _codes(problems, code):
    return [p for p in problems if p.code == code]


def test_sum_mismatch_reported(notices):
    mismatches = _codes(notices["2019"].all_problems(), "breakdown.sum-mismatch")
    messages = [p.message for p in mismatches]
    assert any("合计3001家" in m and "3000家" in m for m in messages)
    assert any("合计1999家" in m and "2000家" in m for m in messages)
    assert all(p.location.task == "2019-M-003" for p in mismatches)
    assert not _codes(notices["2021"].all_problems(), "breakdown.sum-mismatch")


def test_column_mismatch_reported_not_misaligned(notices, tasks):
    problems = _codes(notices["2019"].all_problems(), "breakdown.column-mismatch")
    assert len(problems) == 2 and all("14个数值" in p.message and "11列" in p.message for p in problems)
    row = tasks["2019-M-005"].breakdown[0]
    assert not row.aligned and row.values == {} and len(row.raw) == 14
    assert row.total == 30 and row.check["ok"]  # the sum can still be checked against 新建30个


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("市委组织部（市人才办）", "市委组织部（市委人才办）"),
        ("市“五水共治”办", "市“五水共治办”"),
        ("市邮政局", "市邮政管理局"),
    ],
)
def test_near_duplicate_units_reported(notices, first, second):
    messages = [p.message for n in notices.values() for p in n.warnings if p.code == "unit.near-duplicate"]
    assert sum(1 for m in messages if f"“{first}”" in m and f"“{second}”" in m) == 1


def test_unit_without_the_city_prefix_is_read_as_the_prefixed_one(notices):
    """大数据局 (2021) where the same notice says 市大数据局 elsewhere: one unit, with a note."""
    units = {u for t in notices["2021"].tasks for u in (*t.lead_units, *t.cooperating_units)}
    units |= {m for t in notices["2021"].tasks for c in t.collective_units for m in c.members}
    assert "市大数据局" in units and "大数据局" not in units
    notes = [p for p in notices["2021"].all_problems() if p.code == "unit.prefix-added"]
    assert notes and notes[0].message == "单位“大数据局”按本通知中的“市大数据局”处理"


def test_page_furniture_ignored(notices):
    text = "".join(t.text + t.target_text for n in notices.values() for t in n.tasks)
    for furniture in ("当前位置", "打印本页", "分享到", "抄送", "印发", "此件公开发布", "政务>"):
        assert furniture not in text
    assert tasks_last_values(notices) == ["2", "2", "7", "2", "2", "4", "1"]  # the share counter "0" is not a value
    assert not _codes(notices["2021"].all_problems(), "notice.unplaced-text")


def tasks_last_values(notices):
    return notices["2019"].tasks[-1].breakdown[0].raw


def test_gbk_notice_detected(tmp_path, sample_workspace_config, notices):
    text = (sample_workspace_config.notices_dir / NOTICE_2021).read_text(encoding="utf-8")
    path = tmp_path / "通知-gbk.txt"
    path.write_bytes(text.encode("gb18030"))
    source = read_notice_file(path)
    assert source.encoding == "gb18030"
    parsed = parse_notice(source.lines, source=NOTICE_2021, directory=sample_workspace_config.directory())
    assert [t.to_dict() for t in parsed.tasks] == [t.to_dict() for t in notices["2021"].tasks]
