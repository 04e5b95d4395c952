"""Parser rules on small notices built in code: punctuation, labels, line breaks, units, targets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reporter.notices.formats import plain_text
from reporter.notices.glued import glued_header
from reporter.notices.parser import parse_notice, time_point
from reporter.notices.targets import extract_targets
from reporter.notices.units import (
    ZONE_KIND,
    District,
    UnitDirectory,
    is_collective,
    normalize_unit,
    read_units,
    split_list,
)
from reporter.periods import parse_period
from reporter.text import chinese_count, chinese_digits, chinese_numeral, normalize_line, to_traditional


def test_small_notice_fields(small_notice_text):
    notice = parse_notice(small_notice_text, source="小通知.txt")
    assert notice.meta.doc_number == "某政办发〔2024〕3号"
    assert notice.meta.date == "2024-02-01" and notice.meta.year == 2024
    assert [t.id for t in notice.tasks] == ["2024-G-001", "2024-G-002", "2024-G-003"]
    first, second, third = notice.tasks
    assert first.leaders == ["张三"] and first.lead_units == ["县发改局"]
    assert first.cooperating_units == ["县统计局", "县财政局"]
    # missing ； between 牵头单位 and 配合单位
    assert second.lead_units == ["县经信局"] and second.cooperating_units == ["县市场监管局"]
    assert [c.name for c in second.collective_units] == ["各乡镇人民政府"]
    # text over two lines; label broken as 配 / 合单位
    assert third.text == "城镇登记失业率控制在3%以内，新增就业5000人。"
    assert [c.name for c in third.collective_units] == ["县级有关部门"]
    assert third.section == "二、社会事业"
    assert [(t.indicator, t.value, t.unit) for t in third.targets] == [("城镇登记失业率", 3, "%"), ("就业", 5000, "人")]


def test_only_responsibility_units_first_is_lead():
    text = "2024年政府工作报告目标任务责任分解\n1.推进某项工作。\n牵头领导：王五\n责任单位：县交通局、县住建局，县级有关部门\n"
    task = parse_notice(text).tasks[0]
    assert task.lead_units == ["县交通局"] and task.cooperating_units == ["县住建局"]


def test_task_without_fields_is_warned_not_dropped():
    text = "2024年政府工作报告目标任务责任分解\n1.第一项任务内容。\n2.第二项任务内容。\n牵头领导：王五\n牵头单位：县交通局\n"
    notice = parse_notice(text, source="x.txt")
    assert len(notice.tasks) == 2
    codes = [w.code for w in notice.tasks[0].warnings]
    assert "task.no-leader" in codes and "task.no-lead-unit" in codes


def test_number_inside_broken_line_is_not_a_task():
    text = "2024年政府工作报告目标任务责任分解\n1.地区生产总值达到\n1.7万亿元。\n牵头领导：王五\n牵头单位：县发改局\n"
    notice = parse_notice(text)
    assert len(notice.tasks) == 1 and notice.tasks[0].text == "地区生产总值达到1.7万亿元。"


def test_unplaced_text_is_warned():
    text = "2024年政府工作报告目标任务责任分解\n一、经济\n这是一段不属于任何任务的说明文字。\n1.任务。\n牵头领导：王五\n牵头单位：县发改局\n"
    notice = parse_notice(text, source="y.txt")
    assert [w.code for w in notice.warnings] == ["notice.unplaced-text"]
    assert notice.warnings[0].location.line == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("地区生产总值增长7%。", [("地区生产总值", "增长", 7, "%", "")]),
        ("新增高新技术企业 800 家。", [("高新技术企业", "新增", 800, "家", "")]),
        ("城镇登记失业率控制在 3.5% 以内。", [("城镇登记失业率", "控制在", 3.5, "%", "以内")]),
        ("地区生产总值达到 1.7 万亿元。", [("地区生产总值", "达到", 1.7, "万亿元", "")]),
        ("制造业贷款增长10%以上。", [("制造业贷款", "增长", 10, "%", "以上")]),
        (
            "新增国家制造业单项冠军5个、“小升规”工业企业400家。",
            [("国家制造业单项冠军", "新增", 5, "个", ""), ("“小升规”工业企业", "新增", 400, "家", "")],
        ),
        ("全面实施民营企业高质量发展25条意见。", []),
        ("到2025年，新建5G基站6000个。", [("5G基站", "新建", 6000, "个", "")]),
    ],
)
def test_extract_targets(text, expected):
    found = [(t.indicator, t.comparator, t.value, t.unit, t.qualifier) for t in extract_targets(normalize_line(text))]
    assert found == expected


def test_normalize_line_punctuation():
    assert normalize_line("牵头领导:市长,副市长;") == "牵头领导：市长，副市长；"
    assert normalize_line("增长 1,000 万元 (含)") == "增长1,000万元（含）"
    assert normalize_line("１２３ＡＢ") == "123AB"


_NAME_CHARS = st.sampled_from(list("市县区发改委经信局科技教育财政民商务交通住建水利农业村卫生健康文广旅游环境"))
_NAMES = st.lists(st.text(_NAME_CHARS, min_size=2, max_size=8), min_size=1, max_size=8)


@given(_NAMES, st.lists(st.sampled_from(["、", "，", ",", "；", " 、 "]), min_size=8, max_size=8))
def test_split_list_recovers_names(names, separators):
    joined = "".join(name + separators[i] for i, name in enumerate(names))[: -len(separators[len(names) - 1])]
    assert split_list(joined) == names


@given(_NAMES)
def test_split_list_never_splits_inside_brackets(names):
    inner = "、".join(names)
    assert split_list(f"市某局（{inner}），市另一局") == [f"市某局（{inner}）", "市另一局"]


@given(
    st.text(_NAME_CHARS, min_size=1, max_size=10),
    st.sampled_from(["(", "（"]),
    st.sampled_from([")", "）"]),
    st.sampled_from(["", " ", "  "]),
)
def test_normalize_unit_is_idempotent_and_bracket_insensitive(name, left, right, pad):
    written = f"{pad}{name}{left}{name}{right}{pad}"
    normalized = normalize_unit(written)
    assert normalized == f"{name}（{name}）"
    assert normalize_unit(normalized) == normalized


@pytest.mark.parametrize(
    "name",
    [
        "市级有关部门",
        "市级其他有关部门",
        "各区县（市）政府",
        "相关区县（市）政府",
        "开发园区管委会",
        "相关开发园区管委会",
        "市交通局等有关部门",
        "“四好农村路”建设领导小组成员单位",
        "部省属驻甬有关单位",
    ],
)
def test_collective_units(name):
    assert is_collective(name)


@pytest.mark.parametrize(
    "name", ["市发改委", "东钱湖管委会", "中国（浙江）自由贸易试验区宁波片区管委会", "宁波国家高新区"]
)
def test_real_units(name):
    assert not is_collective(name)


def test_aliases_applied():
    directory = UnitDirectory(aliases={"市邮政局": "市邮政管理局"})
    assert read_units("市邮政局、市商务局", directory).real == ["市邮政管理局", "市商务局"]


@pytest.mark.parametrize(
    ("zones", "real", "collective"),
    [
        ((), ["市财政局", "开发园区管委会"], ["各区（县、市）政府"]),  # no zones listed: the unit it names
        ((District("高新区", "高新", ZONE_KIND),), ["市财政局"], ["各区（县、市）政府", "开发园区管委会"]),
    ],
)
def test_bare_kind_name_is_a_group_only_when_the_workspace_lists_that_kind(zones, real, collective):
    directory = UnitDirectory(districts=list(zones))
    units = read_units("市财政局，各区（县、市）政府、开发园区管委会", directory)
    assert (units.real, units.collective) == (real, collective)


# -- Chinese numbers (cn2an) and traditional characters (OpenCC) ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1),
        ("九", 9),
        ("十", 10),
        ("十一", 11),
        ("二十", 20),
        ("二十三", 23),
        ("九十九", 99),
        ("一百", 100),
        ("一百零一", 101),
        ("一百一十", 110),
        ("一百二十", 120),
        ("一百九十九", 199),
        ("二百", 200),
    ],
)
def test_chinese_counting_numbers_both_ways(text, value):
    assert chinese_numeral(text) == value
    assert chinese_count(value) == text


@pytest.mark.parametrize(
    ("text", "value"), [("〇", 0), ("零", 0), ("两", 2), ("一十一", 11), ("两百", 200), ("一百一", 110)]
)
def test_other_ways_of_writing_a_number(text, value):
    assert chinese_numeral(text) == value


@pytest.mark.parametrize("text", ["", "百", "十十", "一二", "二〇二一", "第一", "一是", "5", "abc", "一百abc"])
def test_text_that_is_not_a_counting_number(text):
    assert chinese_numeral(text) is None


def test_every_number_to_two_hundred_reads_back():
    assert [chinese_numeral(chinese_count(n)) for n in range(1, 201)] == list(range(1, 201))
    assert (chinese_count(0), chinese_count(-3), chinese_count(12, capital=True)) == ("0", "-3", "壹拾贰")
    assert (chinese_digits(10), chinese_digits(2021)) == ("一〇", "二〇二一")


def test_numbers_below_a_hundred_read_and_written_as_cn2an_does():
    """一 … 九十九 are worked out without loading cn2an: the values and the writing must be cn2an's."""
    import cn2an

    for number in range(1, 100):
        written = cn2an.an2cn(number, "low")
        assert chinese_count(number) == written
        assert chinese_numeral(written) == cn2an.cn2an(written, "normal") == number


def _hundred_and_one(line) -> str:
    body = "".join(line(n) for n in range(1, 102))
    return (
        f"某县人民政府办公室关于印发2024年政府工作报告目标任务责任分解的通知\n{body}某县人民政府办公室\n2024年2月1日\n"
    )


def test_task_one_hundred_and_one_numbered_in_brackets():
    notice = parse_notice(
        "2024年政府工作报告目标任务责任分解\n一、经济发展\n"
        + _hundred_and_one(lambda n: f"（{chinese_count(n)}）推进第{n}项工作。\n牵头领导：张三；牵头单位：县发改局\n")
    )
    assert len(notice.tasks) == 101
    assert [t.id for t in notice.tasks[98:]] == ["2024-G-099", "2024-G-100", "2024-G-101"]
    assert notice.tasks[-1].text == "推进第101项工作。" and notice.tasks[-1].lead_units == ["县发改局"]


def test_livelihood_project_one_hundred_and_one():
    notice = parse_notice(
        "2024年民生实事项目责任分解\n"
        + _hundred_and_one(lambda n: f"{chinese_count(n)}、建设第{n}个项目\n牵头领导：张三\n牵头单位：县教育局\n"),
        code="2024",
    )
    assert len(notice.tasks) == 101
    assert (notice.tasks[-1].id, notice.tasks[-1].text) == ("2024-M-101", "建设第101个项目")


@pytest.mark.parametrize(
    ("period", "label"), [("2021-Q1", "2021年第一季度"), ("2021-Q3", "2021年第三季度"), ("2021-06", "2021年6月")]
)
def test_period_labels(period, label):
    assert parse_period(period).label == label


@pytest.mark.parametrize(
    ("text", "day"), [("三季度末前", "2024-09-30"), ("一季度", "2024-03-31"), ("4季度", "2024-12-31")]
)
def test_quarters_as_deadlines(text, day):
    assert time_point(text, 2024) == day


@pytest.mark.parametrize(
    ("written", "title", "words"),
    [
        ("序號項目名稱牽頭單位配合單位", "", ["序号", "项目名称", "牵头单位", "配合单位"]),
        ("附件：編號任務內容牽頭領導牽頭單位", "附件：", ["编号", "任务内容", "牵头领导", "牵头单位"]),
    ],
)
def test_header_words_in_traditional_characters(written, title, words):
    assert glued_header(written) == (title, words)
    assert plain_text("內號準劃體") == "内号准划体"
    assert to_traditional("序号编号") == "序號編號"
