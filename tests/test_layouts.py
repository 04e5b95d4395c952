"""Other governments' layouts, built in code: other labels, roles given inline, leaders by section, --explain."""

from __future__ import annotations

import pytest

from reporter.notices.parser import parse_notice
from reporter.notices.units import UnitDirectory
from tests.test_cli import flat, invoke

HEAD = "某县人民政府办公室关于印发2024年政府工作报告重点任务分解的通知\n2024年政府工作报告重点任务责任分解\n"


def tasks(body: str):
    notice = parse_notice(HEAD + body, source="通知.txt", directory=UnitDirectory(), code="2024")
    return notice.tasks


@pytest.mark.parametrize(
    ("lines", "leaders", "label", "lead", "cooperating"),
    [
        (
            "分管市领导：张三\n牵头部门：县发改局\n配合部门：县统计局、县财政局",
            ["张三"],
            "分管市领导",
            ["县发改局"],
            ["县统计局", "县财政局"],
        ),
        (
            "牵头市领导：张三、李四\n牵头责任单位：县经信局；协同责任单位：县商务局",
            ["张三", "李四"],
            "牵头市领导",
            ["县经信局"],
            ["县商务局"],
        ),
        (
            "责任领导：王五\n责任单位：县人社局牵头，县财政局、县教育局配合",
            ["王五"],
            "责任领导",
            ["县人社局"],
            ["县财政局", "县教育局"],
        ),
        ("区领导：赵六\n责任单位：县住建局、县交通局分别牵头", ["赵六"], "区领导", ["县住建局", "县交通局"], []),
        (
            "分管省领导：钱七\n牵头单位：县水利局；配合单位：县农业农村局等县级有关部门按职责分工负责",
            ["钱七"],
            "分管省领导",
            ["县水利局"],
            [],  # 县农业农村局 is responsible through 县农业农村局等县级有关部门
        ),
    ],
)
def test_other_labels_and_role_phrases(lines, leaders, label, lead, cooperating):
    (task,) = tasks(f"一、经济发展\n1.地区生产总值增长6%左右。\n{lines}\n")
    assert (task.leaders, task.leader_label, task.lead_units, task.cooperating_units) == (
        leaders,
        label,
        lead,
        cooperating,
    )
    assert task.text == "地区生产总值增长6%左右。"


def test_roles_inline_at_the_end_of_the_text():
    first, second = tasks(
        "一、经济发展\n"
        "1.新增规上工业企业50家（牵头单位：县经信局；配合单位：县市场监管局、县统计局）\n牵头领导：李四\n"
        "2.城镇新增就业5000人。（县人社局牵头，县财政局配合）\n牵头领导：张三\n"
    )
    assert (first.text, first.lead_units, first.cooperating_units) == (
        "新增规上工业企业50家",
        ["县经信局"],
        ["县市场监管局", "县统计局"],
    )
    assert (second.text, second.lead_units, second.cooperating_units) == (
        "城镇新增就业5000人。",
        ["县人社局"],
        ["县财政局"],
    )


def test_leader_given_by_the_section_heading_with_numbering_restarting():
    found = tasks(
        "一、王某市长牵头的重点工作\n1.推进甲项目。\n牵头单位：县发改局\n2.推进乙项目。\n牵头单位：县经信局\n"
        "二、李某副市长牵头的重点工作\n1.推进丙项目。\n牵头单位：县教育局\n"
    )
    assert [(t.id, t.leaders, t.lead_units) for t in found] == [
        ("2024-G1-001", ["王某"], ["县发改局"]),
        ("2024-G1-002", ["王某"], ["县经信局"]),
        ("2024-G2-001", ["李某"], ["县教育局"]),
    ]


def test_explain_shows_which_line_gave_which_field(tmp_path):
    notice = tmp_path / "通知.txt"
    notice.write_text(
        HEAD
        + "一、经济发展\n1.地区生产总值增长6%\n左右。\n分管市领导：张三\n牵头部门：县发改局；配\n合部门：县统计局\n",
        encoding="utf-8",
    )
    result = invoke("parse", str(notice), "--no-store", "--explain", "2024-G-001")
    assert result.exit_code == 0, result.output
    text = flat(result.output)
    assert "左右。任务内容（续）" in text
    assert "分管市领导：张三牵头领导（原文“分管市领导”）" in text
    assert "合部门：县统计局配合单位（原文“配合部门”）" in text
    assert "牵头单位县发改局" in text and "配合单位县统计局" in text
    missing = invoke("parse", str(notice), "--no-store", "--explain", "2024-G-009")
    assert missing.exit_code == 1 and "解析结果中没有任务“2024-G-009”" in flat(missing.output)


def test_unit_names_as_other_offices_write_them():
    (task,) = tasks(
        "一、社会事业\n1.完善基层治理体系。\n牵头领导：张三\n"
        "牵头单位：县民政局 伍某某；配合单位：各乡、镇人民政府，县財政局、县統計局等\n"
    )
    assert task.lead_units == ["县民政局"]
    assert task.responsible_persons == ["伍某某"]
    assert task.cooperating_units == ["县財政局", "县統計局"]  # as written; matched as simplified
    assert [c.name for c in task.collective_units] == ["各乡、镇人民政府"]


def test_deadline_and_milestones_from_columns_and_text(tmp_path):
    (task,) = tasks(
        "一、项目建设\n1.一季度完成方案编制；6月底前开工建设；年底前建成投用。\n牵头领导：张三\n牵头单位：县住建局\n"
    )
    assert [(m["when"], m["date"]) for m in task.milestones] == [
        ("一季度", "2024-03-31"),
        ("6月底前", "2024-06-30"),
        ("年底前", "2024-12-31"),
    ]
    assert task.deadline == "2024-12-31"
    (timed,) = tasks("一、项目建设\n1.建成体育公园。\n牵头领导：张三\n牵头单位：县体育局\n完成时限：2024年9月底前\n")
    assert (timed.deadline, timed.deadline_text, timed.text) == ("2024-09-30", "2024年9月底前", "建成体育公园。")

    from reporter.periods import parse_period, time_progress

    assert time_progress(timed, parse_period("2024-06")) == pytest.approx(66.5, abs=0.1)


def test_unit_without_prefix_joins_the_prefixed_name():
    _, second = tasks(
        "一、经济发展\n1.甲。\n牵头领导：张三\n牵头单位：县发改局\n2.乙。\n牵头领导：张三\n牵头单位：发改局；配合单位：统计局\n"
    )
    assert second.lead_units == ["县发改局"]
    assert second.cooperating_units == ["统计局"]  # no 县统计局 in this notice: left as written
    assert [p.message for p in second.warnings if p.code == "unit.prefix-added"] == [
        "单位“发改局”按本通知中的“县发改局”处理"
    ]


def test_breakdown_with_districts_as_rows(sample_workspace_config):
    from reporter.notices.parser import parse_notice

    text = (
        "某市人民政府办公厅关于印发2024年民生实事项目的通知\n2024年市民生实事项目目标任务责任分解\n"
        "一、中小学校扩容工程\n目标任务：新建10所中小学校，其中竣工8所。\n牵头领导：许亚南\n责任单位：市教育局，各区县（市）政府\n"
        "任务分解\t建设项目(所)\t其中竣工(所)\n海曙\t6\t5\n江北\t4\t3\n"
    )
    (project,) = parse_notice(text, source="x.txt", directory=sample_workspace_config.directory(), code="2024").tasks
    assert [(r.indicator, r.unit, r.values, r.check["ok"]) for r in project.breakdown] == [
        ("建设项目", "所", {"海曙": 6, "江北": 4}, True),
        ("其中竣工", "所", {"海曙": 5, "江北": 3}, True),
    ]


def test_one_numbered_task_split_into_sub_items_with_their_own_units():
    found = tasks(
        "一、城市建设\n1.推进两项民生工程建设。\n牵头领导：张三\n"
        "（1）新建城市公园3个。\n牵头单位：县住建局\n"
        "（2）改造老旧小区10个。\n牵头领导：李四\n牵头单位：县房管中心；配合单位：各乡、镇人民政府\n"
        "2.做好防汛工作。\n牵头领导：王五\n牵头单位：县水利局\n"
    )
    assert [(t.id, t.number, t.text, t.leaders, t.lead_units, t.parent) for t in found] == [
        ("2024-G-001.1", 1, "新建城市公园3个。", ["张三"], ["县住建局"], "2024-G-001"),
        ("2024-G-001.2", 1, "改造老旧小区10个。", ["李四"], ["县房管中心"], "2024-G-001"),
        ("2024-G-002", 2, "做好防汛工作。", ["王五"], ["县水利局"], ""),
    ]
    assert found[0].parent_text == "推进两项民生工程建设。"


def test_sub_rows_of_a_task_table(tmp_path):
    import openpyxl

    from reporter.operations import parse_file

    workbook = openpyxl.Workbook()
    for row in [
        ["序号", "工作任务", "牵头领导", "牵头单位", "配合单位"],
        ["1", "推进两项民生工程建设。", "张三", "", ""],
        ["", "新建城市公园3个。", "", "县住建局", ""],
        ["", "改造老旧小区10个。", "李四", "县房管中心", "县财政局"],
        ["2", "做好防汛工作。", "王五", "县水利局", ""],
    ]:
        workbook.active.append(row)
    workbook.save(tmp_path / "清单.xlsx")
    found = parse_file(tmp_path / "清单.xlsx", UnitDirectory(), code="2024").notice.tasks
    assert [(t.id, t.leaders, t.lead_units, t.cooperating_units) for t in found] == [
        ("2024-G-001.1", ["张三"], ["县住建局"], []),
        ("2024-G-001.2", ["李四"], ["县房管中心"], ["县财政局"]),
        ("2024-G-002", ["王五"], ["县水利局"], []),
    ]


@pytest.mark.parametrize(
    "heading",
    [
        "一、张三县长主抓重点工作",
        "一、张三县长牵头重点工作",
        "一、张三副县长牵头的重点工作",
        "一、由张三常务副县长负责的工作",
        "一、张三同志分管的工作",
        "一、张三牵头的重点工作",
        "一、县长张三牵头重点工作",
        "一、副县长张三负责的工作",
    ],
)
def test_leader_named_by_the_section_heading_in_any_wording(heading):
    (task,) = tasks(f"{heading}\n1.地区生产总值增长6%左右。\n牵头单位：县发改局\n")
    assert (task.leaders, task.leader_label, task.lead_units) == (["张三"], "板块牵头领导", ["县发改局"])
    assert task.read_as == [f"牵头领导取自板块标题“{heading}”"]


@pytest.mark.parametrize("heading", ["一、经济发展", "一、主要预期目标", "一、扩大有效投资", "一、县长信箱办理"])
def test_an_ordinary_section_heading_names_no_leader(heading):
    (task,) = tasks(f"{heading}\n1.地区生产总值增长6%左右。\n牵头单位：县发改局\n")
    assert task.leaders == []


def test_note_in_a_unit_list_is_a_rule_not_a_unit():
    first, second = tasks(
        "一、经济发展\n1.稳企业。\n牵头领导：张三\n"
        "责任单位：县经信局、县财政局、县税务局(列第一位者为工作牵头单位或汇总单位,下同)\n"
        "2.促消费。\n牵头领导：张三\n责任单位：县商务局、县财政局\n"
    )
    assert (first.lead_units, first.cooperating_units) == (["县经信局"], ["县财政局", "县税务局"])
    assert (second.lead_units, second.cooperating_units) == (["县商务局"], ["县财政局"])


def test_department_roles_marked_by_verbs_under_a_label():
    (task,) = tasks(
        "一、主要预期目标\n1.地区生产总值增长6%以上。\n分管省领导:张三\n部门分工:县发改局牵头,县统计局配合。\n"
    )
    assert (task.leaders, task.lead_units, task.cooperating_units) == (["张三"], ["县发改局"], ["县统计局"])


@pytest.mark.parametrize(
    ("written", "collective"),
    [
        ("各县、市、区政府", "各县、市、区政府"),
        ("各乡、镇人民政府", "各乡、镇人民政府"),
        ("各区、县级市", "各区、县级市"),
    ],
)
def test_collective_names_sharing_one_affix_stay_whole(written, collective):
    (task,) = tasks(f"一、经济发展\n1.稳增长。\n牵头单位：县发改局\n配合单位：县统计局、{written}\n")
    assert task.lead_units == ["县发改局"]
    assert "县统计局" in task.cooperating_units
    names = [c.name for c in task.collective_units] + task.cooperating_units
    assert collective in names and not {"市", "区政府", "县级市", "镇人民政府"} & set(names)


def test_items_numbered_in_brackets_carrying_their_own_units_are_tasks():
    found = tasks(
        "一、主要预期目标\n(一)地区生产总值增长7%以上\n\n责任单位:县发改局\n\n"
        "(二)规上工业增加值增长12%以上\n\n责任单位:县经信局\n"
        "二、重点工作\n(一)扩大有效投资\n1.新开工项目50个。\n牵头单位：县发改局\n"
    )
    assert [(t.text, t.lead_units) for t in found] == [
        ("地区生产总值增长7%以上", ["县发改局"]),
        ("规上工业增加值增长12%以上", ["县经信局"]),
        ("新开工项目50个。", ["县发改局"]),
    ]


@pytest.mark.parametrize("title", ["2024年政府工作报告重点任务分工方案", "2024年政府工作报告目标任务责任分解清单"])
def test_part_titles_ending_in_fengong_or_fangan(title):
    notice = parse_notice(
        f"某县人民政府办公室关于印发重点任务分工的通知\n{title}\n一、经济发展\n1.稳增长。\n牵头单位：县发改局\n",
        source="通知.txt",
        directory=UnitDirectory(),
        code="2024",
    )
    assert [(t.part, t.lead_units) for t in notice.tasks] == [(title, ["县发改局"])]


def test_bracketed_sub_headings_between_tasks_and_sub_items_inside_one():
    found = tasks(
        "一、主要预期目标\n(一)主要经济指标。\n"
        "1.地区生产总值增长10%左右。(牵头单位:县发改局;责任单位:县统计局,各乡、镇人民政府,人民大垸、荒湖管理区)\n"
        "(二)活力后劲指标。\n"
        "2.固定资产投资增长20%以上。(牵头单位:县发改局;责任单位:县统计局)\n"
        "二、重点工作\n3.推进三项改革：\n（一）深化放管服改革；\n（二）推进国资国企改革。\n牵头单位：县财政局\n"
        "4.稳外贸。\n牵头单位：县商务局\n"
    )
    first, second = found[0], found[1]
    assert (first.text, first.lead_units) == ("地区生产总值增长10%左右。", ["县发改局"])
    assert first.cooperating_units == ["县统计局", "人民大垸、荒湖管理区"]
    assert [c.name for c in first.collective_units] == ["各乡、镇人民政府"]
    assert (second.text, second.cooperating_units) == ("固定资产投资增长20%以上。", ["县统计局"])
    assert "活力后劲" not in "".join(t.text for t in found)
    reform = next(t for t in found if t.number == 3)
    assert "推进国资国企改革" in (reform.text + reform.parent_text) and reform.lead_units == ["县财政局"]
    assert found[-1].lead_units == ["县商务局"]


def test_text_pasted_with_its_web_markup():
    found = tasks(
        '一、人才项目</p><p align=\\"left\\">\n'
        "\t　　1.紧缺人才开发项目。5年内引进1万名紧缺人才。（牵头单位：县发改局，配合单位：县委组织部、县人社局，"
        '各区、县级市）</p><p align=\\"left\\">\t　　2.企业家培养项目。加强&nbsp;培训。（牵头单位：县国资委）</p>\n'
    )
    assert [(t.text, t.lead_units, t.cooperating_units) for t in found] == [
        ("紧缺人才开发项目。5年内引进1万名紧缺人才。", ["县发改局"], ["县委组织部", "县人社局"]),
        ("企业家培养项目。加强培训。", ["县国资委"], []),
    ]
    assert [c.name for c in found[0].collective_units] == ["各区、县级市"]


def test_a_whole_list_run_together_on_one_line():
    line = (
        "某县民生实事项目共有3项任务，各责任单位高度重视，现将1—6月份进展情况予以公示，接受社会监督。"
        " 1.新增公交线路10条。 牵头领导:张三 责任单位:县交通局 项目责任人:王五 配合单位:县公安局、县财政局"
        " 实际完成情况:已新辟线路6条，完成年度目标的60%。"
        " 2.新建幼儿园5所。 牵头领导:李四 责任单位:县教育局 项目责任人:赵六 实际完成情况:3所已开工。"
        " 3.改造老旧小区20个。 牵头领导:李四 责任单位:县住建局 配合单位:各镇政府 实际完成情况:已完成8个。"
    )
    found = tasks(f"{line}\n")
    assert [(t.number, t.text, t.leaders, t.lead_units, t.cooperating_units) for t in found] == [
        (1, "新增公交线路10条。", ["张三"], ["县交通局"], ["县公安局", "县财政局"]),
        (2, "新建幼儿园5所。", ["李四"], ["县教育局"], []),
        (3, "改造老旧小区20个。", ["李四"], ["县住建局"], []),
    ]
    assert [t.responsible_persons for t in found] == [["王五"], ["赵六"], []]


def test_a_school_is_a_unit_not_a_unit_and_a_person():
    (task,) = tasks("一、人才\n1.培训干部。\n牵头单位：县委组织部；配合单位：县委党校、县人社局 王五\n")
    assert task.cooperating_units == ["县委党校", "县人社局"]  # 王五 is the person, 党校 is not


def test_unit_name_broken_across_lines_with_a_repeated_character():
    _, second = tasks(
        "一、城市管理\n1.治理违建。\n牵头单位：县综合执法局\n"
        "2.分类垃圾。\n牵头单位：县住建局；配合单位：县财政局、县综\n综合执法局\n"
    )
    assert second.cooperating_units == ["县财政局", "县综合执法局"]
    assert [w.code for w in second.warnings if w.code.startswith("unit.")] == ["unit.rejoined"]


def test_neighbouring_street_offices_stay_two_units():
    (task,) = tasks("一、教育\n1.新建学校。\n牵头单位：县教育局；配合单位：大碶街道、戚家山街道\n")
    assert task.cooperating_units == ["大碶街道", "戚家山街道"]


def test_traditional_characters_are_read_as_simplified_and_kept_as_written():
    notice = parse_notice(
        "某縣人民政府辦公室關於印發2024年政府工作報告重點任務分解的通知\n2024年政府工作報告重點任務責任分解\n"
        "一、張三縣長牽頭的重點工作\n"
        "1.新增就業5000人。(牽頭單位:縣人社局;配合單位:縣財政局、縣統計局)\n"
        "2.深化放管服改革。(縣政府辦公室、縣審批局牽頭,縣級各有關部門按職責分工負責)\n",
        source="通知.txt",
        directory=UnitDirectory(aliases={"县统计局": "县统计局（普查中心）"}),
        code="2024",
    )
    first, second = notice.tasks
    assert (first.text, first.leaders, first.lead_units) == ("新增就業5000人。", ["張三"], ["縣人社局"])
    assert first.cooperating_units == ["縣財政局", "县统计局（普查中心）"]  # the alias matched the traditional name
    assert (second.text, second.lead_units) == ("深化放管服改革。", ["縣政府辦公室", "縣審批局"])
    assert [c.name for c in second.collective_units] == ["縣級各有關部門"]


def test_a_workspace_extends_the_lexicon():
    from reporter.notices.lexicon import default_lexicon

    lexicon = default_lexicon().extended(
        {"labels": {"督办领导": "牵头领导", "协办科室": "配合单位"}, "collectives": ["各功能区"], "notes": ["排序第一"]}
    )
    notice = parse_notice(
        HEAD + "一、经济发展\n1.稳增长。\n督办领导：张三\n责任单位：县发改局、县统计局（排序第一者牵头）\n"
        "2.促消费。\n督办领导：李四\n牵头单位：县商务局\n协办科室：县财政局、各功能区\n",
        source="通知.txt",
        directory=UnitDirectory(lexicon=lexicon),
        code="2024",
    )
    first, second = notice.tasks
    assert (first.leaders, first.lead_units, first.cooperating_units) == (["张三"], ["县发改局"], ["县统计局"])
    assert (second.leaders, second.lead_units, second.cooperating_units) == (["李四"], ["县商务局"], ["县财政局"])
    assert [c.name for c in second.collective_units] == ["各功能区"]
    (plain,) = tasks("一、经济发展\n1.稳增长。\n督办领导：张三\n责任单位：县发改局\n")
    assert plain.leaders == []  # the package's own lexicon does not know 督办领导


def _workspace_with_lexicon(tmp_path, table: str, fields: str):
    """A workspace whose reporter.toml has ``[lexicon]`` ``table``, and a one-task notice with ``fields``."""
    root = tmp_path / "ws"
    (root / "input" / "notices").mkdir(parents=True)
    (root / "reporter.toml").write_text(f'[workspace]\nname = "测试"\n\n[lexicon]\n{table}\n', encoding="utf-8")
    notice = root / "input" / "notices" / "通知.txt"
    notice.write_text(HEAD + f"一、经济发展\n1.稳增长。\n{fields}\n", encoding="utf-8")
    return root, notice


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'labels = { "督办领导" = "领导" }',
            "reporter.toml：[lexicon]labels中“督办领导”应对应牵头领导、联系领导、牵头单位",
        ),
        ('collectives = "各功能区"', "reporter.toml：[lexicon]collectives应为文字列表"),
        ('synonyms = ["x"]', "reporter.toml的[lexicon]中没有synonyms这一项（可用的项：labels、collectives、notes"),
    ],
)
def test_a_wrong_lexicon_entry_is_named(tmp_path, table, message):
    root, notice = _workspace_with_lexicon(tmp_path, table, "牵头单位：县发改局")
    result = invoke("-w", str(root), "parse", str(notice))
    assert result.exit_code == 1
    assert message in flat(result.output)
    assert "Traceback" not in result.output


def test_the_lexicon_in_reporter_toml_is_used_by_parse(tmp_path):
    root, notice = _workspace_with_lexicon(
        tmp_path, 'labels = { "督办领导" = "牵头领导" }', "督办领导：张三\n牵头单位：县发改局"
    )
    result = invoke("-w", str(root), "parse", str(notice), "--no-store", "--json", "-")
    assert result.exit_code == 0, result.output
    assert '"leaders": [\n        "张三"\n      ]' in result.output


def test_a_leader_read_from_the_heading_is_noted_once_per_section_and_explained(tmp_path):
    body = (
        "一、张三县长牵头的重点工作\n1.稳增长。\n牵头单位：县发改局\n2.促消费。\n牵头单位：县商务局\n"
        "二、李四副县长牵头的重点工作\n1.稳就业。\n责任单位：县人社局、县财政局\n"
    )
    notice = parse_notice(HEAD + body, source="通知.txt", directory=UnitDirectory(), code="2024")
    notes = [p for p in notice.all_problems() if p.code == "task.leader-from-heading"]
    assert [(p.severity, p.location.task, p.message) for p in notes] == [
        ("info", "2024-G1-001", "本板块2项任务没有写牵头领导，按板块标题“张三县长牵头的重点工作”取“张三”，请核对"),
        ("info", "2024-G2-001", "本板块1项任务没有写牵头领导，按板块标题“李四副县长牵头的重点工作”取“李四”，请核对"),
    ]
    last = notice.tasks[-1]
    assert last.read_as == [
        "牵头领导取自板块标题“李四副县长牵头的重点工作”",
        "只有责任单位：列第一位的作为牵头单位，其余为配合单位",
    ]
    path = tmp_path / "通知.txt"
    path.write_text(HEAD + body, encoding="utf-8")
    result = invoke("parse", str(path), "--no-store", "--explain", last.id)
    assert result.exit_code == 0, result.output
    assert "读取方式" in result.output and "牵头领导取自板块标题" in flat(result.output)


def test_explain_shows_a_label_the_workspace_added(tmp_path):
    root, notice = _workspace_with_lexicon(
        tmp_path, 'labels = { "督办领导" = "牵头领导" }', "督办领导：张三\n牵头单位：县发改局"
    )
    result = invoke("-w", str(root), "parse", str(notice), "--no-store", "--explain", "2024-G-001")
    assert result.exit_code == 0, result.output
    assert "督办领导：张三牵头领导（原文“督办领导”）" in flat(result.output)


@pytest.mark.parametrize(
    "body",
    [
        "一、主要目标\n(1)地区生产总值增长6%。\n责任单位：县发改局\n(2)财政收入增长5%。\n责任单位：县财政局\n",
        "一、主要目标\n①地区生产总值增长6%。\n责任单位：县发改局\n②财政收入增长5%。\n责任单位：县财政局\n",
        "一、主要目标\n一是地区生产总值增长6%。责任单位：县发改局\n二是财政收入增长5%。责任单位：县财政局\n",
    ],
)
def test_items_numbered_in_other_ways_carrying_their_own_units_are_tasks(body):
    assert [(t.number, t.text, t.lead_units) for t in tasks(body)] == [
        (1, "地区生产总值增长6%。", ["县发改局"]),
        (2, "财政收入增长5%。", ["县财政局"]),
    ]


def test_enumerations_inside_a_task_stay_its_text():
    first, second = tasks(
        "一、主要目标\n1.推进改革：\n一是深化放管服；\n二是推进国企改革。\n牵头单位：县发改局\n2.稳外贸。\n牵头单位：县商务局\n"
    )
    assert first.text == "推进改革：一是深化放管服；二是推进国企改革。" and first.lead_units == ["县发改局"]
    assert second.lead_units == ["县商务局"]


@pytest.mark.parametrize(
    ("units", "lead", "cooperating"),
    [
        ("责任单位：县统计局、县发改局（牵头）、县财政局", ["县发改局"], ["县统计局", "县财政局"]),
        ("责任单位：县发改局(牵头)\n配合单位：县财政局", ["县发改局"], ["县财政局"]),
    ],
)
def test_a_unit_marked_as_lead_in_brackets(units, lead, cooperating):
    (task,) = tasks(f"一、经济发展\n1.稳增长。\n牵头领导：张三\n{units}\n")
    assert (task.lead_units, task.cooperating_units) == (lead, cooperating)
    assert "标注“（牵头）”的单位为牵头单位" in task.read_as


def test_a_leaders_title_in_brackets_is_not_part_of_the_name():
    (task,) = tasks("一、经济发展\n1.稳增长。\n牵头领导：张三（常务副县长）、李四(副县长)\n牵头单位：县发改局\n")
    assert task.leaders == ["张三", "李四"]


@pytest.mark.parametrize("lost", ["", "？。ǘ┩", "■"])  # the number lost: dropped, mojibake, a bullet
def test_a_line_with_its_own_bracket_of_fields_after_a_closed_task_is_the_next_task(lost):
    second = f"{lost}推进石化基地建设，抓好乙烯改扩建项目。"
    body = (
        "一、产业发展\n"
        "（一）加快建设汽车产业基地。（牵头单位：市经信委；配合单位：市发改委、市规划局）\n"
        f"{second}（牵头单位：市发改委；配合单位：市经信委）\n"
        "（三）创建生物医药产业基地。（牵头单位：市科技局；配合单位：市卫健委）\n"
        "此处为网页转载时多出的一行文字\n"
    )
    notice = parse_notice(HEAD + body, source="通知.txt", directory=UnitDirectory(), code="2024")
    assert [(t.number, t.text, t.lead_units, t.cooperating_units) for t in notice.tasks] == [
        (1, "加快建设汽车产业基地。", ["市经信委"], ["市发改委", "市规划局"]),
        (2, second, ["市发改委"], ["市经信委"]),
        (3, "创建生物医药产业基地。", ["市科技局"], ["市卫健委"]),
    ]
    messages = {(w.code, w.location.line): w.message for w in notice.warnings}
    shown = f"{second}（牵头单位：市发改委；配合单位：市经信委）"[:30]
    assert messages[("task.number-unread", 5)] == (
        f"此行没有可识别的编号，但带有自己的牵头单位，按顺序作为第2项任务，请核对原文：“{shown}”"
    )
    assert messages[("notice.unplaced-text", 7)] == "未能归入任何任务的文字：“此处为网页转载时多出的一行文字”"


@pytest.mark.parametrize(
    ("table", "shown"),
    [
        (" 鄞州 海曙、江东 北仑 合计 新辟线路年度目标 2 5 2 9", "鄞州 海曙、江东 北仑 合计 新辟线路年度目标 2 5 2 9"),
        (" 鄞州 海曙 江东 北仑 合计", "鄞州 海曙 江东 北仑 合计"),  # the page cut before the numbers
        ("", ""),
    ],
)
def test_a_whole_list_on_one_line_with_a_table_run_into_a_unit_field(table, shown):
    preamble = "现将民生实事项目1—6月份进展情况予以公示，接受社会监督，下阶段将进一步加大督查考核力度。" * 2
    line = (
        f"{preamble} 1.轨道交通1号线一期工程投入试运营。 牵头领导:林某 责任单位:市轨道办 项目责任人:尹某"
        " 实际完成情况:已通车试运营。 2.新辟公交线路10条。 牵头领导:王某 责任单位:市交通委 项目责任人:劳某"
        f" 配合单位:市公安局、市城管局,各区政府{table}"
    )
    notice = parse_notice(line, source="公示.txt", directory=UnitDirectory(), code="2014")
    assert [(t.number, t.leaders, t.lead_units, t.cooperating_units) for t in notice.tasks] == [
        (1, ["林某"], ["市轨道办"], []),
        (2, ["王某"], ["市交通委"], ["市公安局", "市城管局"]),
    ]
    assert [c.name for c in notice.tasks[1].collective_units] == ["各区政府"]
    flagged = [w.message for w in notice.warnings if w.code == "task.table-in-field"]
    assert flagged == ([f"“配合单位”一栏后接着一段表格文字，未作为单位读入，请核对原文：“{shown}”"] if table else [])
