"""Task tables flattened into text (web pages, PDF text, reposts), recovered as notice lines: one family of tests
per shape, each table built here with invented names."""

from __future__ import annotations

import csv
from dataclasses import astuple
from pathlib import Path

import openpyxl
import pytest

from reporter.model import Task
from reporter.notices.blocks import Recovered, recover_tables
from reporter.notices.formats import header_field, map_task_columns
from reporter.notices.parser import parse_notice
from reporter.notices.read import read_notice_file
from reporter.notices.units import UnitDirectory
from reporter.operations import parse_file
from tests.conftest import NOTICE_2019, NOTICE_2021, SAMPLE

TITLE = ["某县人民政府办公室关于印发2024年重点工作任务分解的通知", ""]

Row = tuple[str, list[str], list[str], list[str]]


def one_per_line(cells: list[str], blank: bool = True) -> list[str]:
    """Cells flattened one per line, with a blank line between them or not."""
    lines: list[str] = []
    for cell in cells:
        lines.append(cell)
        if blank:
            lines.append("")
    return lines


def parse(lines: list[str]) -> list[Task]:
    recovered, numbers, _ = astuple(recover_tables(lines))
    notice = parse_notice(recovered, source="表.txt", directory=UnitDirectory(), code="2024", line_numbers=numbers)
    return notice.tasks


def rows(tasks: list[Task]) -> list[Row]:
    return [(t.text, t.leaders, t.lead_units, t.cooperating_units) for t in tasks]


# -- 1. one cell per line ------------------------------------------------------------------------------------------

PROGRESS_TABLE = [
    *("序号", "目标任务", "牵头领导", "牵头单位", "配合单位", "进展情况", "形象进度(%)"),
    *("1", "新建城市书房12家，其中农村书房5家", "张  三", "县文广旅体局", "县财政局、各乡镇人民政府"),
    *("已完成选址8家，其中3家进入装修。", "40%"),
    *("2", "改造老旧小区20个", "李四", "县住建局", "县财政局"),
    "35%",  # no progress text: the percentage is not taken for a unit
    *("3", "新增托育机构托位300个", "县卫健局", "县教育局"),  # no leader: the units stay units
    *("已开工建设2处，正在招标1处。", "10%"),
]
PROGRESS_ROWS: list[Row] = [
    ("新建城市书房12家，其中农村书房5家", ["张三"], ["县文广旅体局"], ["县财政局"]),
    ("改造老旧小区20个", ["李四"], ["县住建局"], ["县财政局"]),
    ("新增托育机构托位300个", [], ["县卫健局"], ["县教育局"]),
]


@pytest.mark.parametrize("blank", [True, False], ids=["blank-lines", "no-blank-lines"])
def test_one_cell_per_line_with_empty_cells_dropped(blank):
    tasks = parse([*TITLE, "2024年民生实事项目进展情况", "", *one_per_line(PROGRESS_TABLE, blank)])
    assert rows(tasks) == PROGRESS_ROWS
    assert [t.id for t in tasks] == ["2024-G-001", "2024-G-002", "2024-G-003"]
    assert [c.name for c in tasks[0].collective_units] == ["各乡镇人民政府"]


def test_a_row_that_lost_a_cell_says_so_where_it_is(tmp_path):
    lines = [*TITLE, "2024年民生实事项目进展情况", "", *one_per_line(PROGRESS_TABLE)]
    (tmp_path / "进展.txt").write_text("\n".join(lines), encoding="utf-8")
    notice = parse_file(tmp_path / "进展.txt", UnitDirectory(), code="2024").notice
    row = lines.index("3") + 1  # row 3 has no 牵头领导 cell: its units were placed by what they look like
    (missing,) = [w for t in notice.tasks for w in t.warnings if w.code == "table.cell-missing"]
    assert (missing.location.line, missing.location.task, missing.severity) == (row, "2024-G-003", "info")
    assert missing.message == (
        "表格这一行没有“牵头领导”单元格（网页、PDF转出的表格会略去空单元格），其余单元格已按内容归入各栏，请核对"
    )
    assert notice.tasks[2].read_as[-1] == "表格这一行没有“牵头领导”单元格，其余单元格按内容归入各栏"


def test_rows_without_numbers_and_two_leader_cells():
    cells = [
        *("序号", "重 点 工 作 任 务", "牵头领导", "牵头单位"),
        *("高新区要围绕打造创新策源地，加快建设科创走廊核心区，力争引进研发机构10家。", "张三", "李四"),
        "某县高新区管委会",
        *("经济开发区要对标国家级开发区，加快推进智能制造产业园建设。", "王  五", "县经信局"),
        *("临江新城要加快建设商贸中心，力争引进优质企业100家。", "赵六", "钱七", "临江新城"),
    ]
    tasks = parse([*TITLE, *one_per_line(cells)])
    assert rows(tasks) == [
        (
            "高新区要围绕打造创新策源地，加快建设科创走廊核心区，力争引进研发机构10家。",
            ["张三", "李四"],
            ["某县高新区管委会"],
            [],
        ),
        ("经济开发区要对标国家级开发区，加快推进智能制造产业园建设。", ["王五"], ["县经信局"], []),
        ("临江新城要加快建设商贸中心，力争引进优质企业100家。", ["赵六", "钱七"], ["临江新城"], []),
    ]


def test_group_column_given_once_and_rows_without_numbers():
    cells = [
        *("项目名称", "项目内容", "责任单位", "进展情况"),
        *("（一）", "经济运行主要目标"),
        *("地区生产总值增长6%以上", "县发改局、县统计局、各街道", "一季度数据尚未发布"),
        *("财政收入与经济增长基本同步", "县财政局、各街道", "正常"),
        *("（二）", "支持实体经济"),
        *("落实减税降费政策", "县税务局、县财政局", "已兑现政策资金1.2亿元"),
    ]
    tasks = parse([*TITLE, *one_per_line(cells)])
    assert rows(tasks) == [
        ("地区生产总值增长6%以上", [], ["县发改局"], ["县统计局"]),
        ("财政收入与经济增长基本同步", [], ["县财政局"], []),
        ("落实减税降费政策", [], ["县税务局"], ["县财政局"]),
    ]
    assert [t.section for t in tasks] == ["一、经济运行主要目标", "一、经济运行主要目标", "二、支持实体经济"]


def test_rows_numbered_in_chinese():
    cells = [
        *("序号", "工作任务", "牵头单位", "配合单位"),
        *("一", "新建污水管网30公里", "县水利局", "县住建局"),
        *("二、", "完成河道整治10条", "县水利局", "县农业农村局"),
        *("（三）", "建设海塘2公里", "县水利局"),
    ]
    tasks = parse([*TITLE, *one_per_line(cells, blank=False)])
    assert [(t.number, t.text, t.lead_units) for t in tasks] == [
        (1, "新建污水管网30公里", ["县水利局"]),
        (2, "完成河道整治10条", ["县水利局"]),
        (3, "建设海塘2公里", ["县水利局"]),
    ]


# -- 2. a header wrapped over two cells, a two-level header -------------------------------------------------------


def test_header_cells_wrapped_over_two_lines():
    cells = [
        *("序", "号", "目标任务", "牵头", "县领导", "责任单位", "总投资", "(万元)"),
        *("1", "新建公共充电桩350个", "张三", "县发改局", "1200"),
        *("2", "建设电动自行车充电站100个", "张三", "县消防大队", "300"),
    ]
    tasks = parse([*TITLE, *one_per_line(cells)])
    assert rows(tasks) == [
        ("新建公共充电桩350个", ["张三"], ["县发改局"], []),
        ("建设电动自行车充电站100个", ["张三"], ["县消防大队"], []),
    ]
    assert tasks[0].leader_label == "牵头领导"


def test_two_level_header_and_sub_rows_with_their_own_leaders():
    cells = [
        *("序号", "目标任务", "区领导", "牵头单位", "配合单位", "工作进度"),
        *("重点工作", "主要内容", "本月完成情况", "进度状态"),
        *("1", "教育设施", "提质", "新建县实验学校，扩建城东小学。", "张三", "县教育局、县建设中心"),
        *("县财政局、县自然资源局", "桩基施工完成。", "部分滞后"),
        *("打造最美上学路5条。", "李四", "城东街道", "县住建局、县公安局", "项目完成。", "办结"),
        *("增加学生午休课桌椅2000套。", "张三", "县教育局", "县发改局", "已安装到位", "办结"),
        *("2", "基层医疗", "新建规范化村卫生室8家。", "王五", "县卫健局", "各乡镇", "已完成5家。", "正常"),
    ]
    tasks = parse([*TITLE, *one_per_line(cells)])
    assert [(t.id, t.parent_text) for t in tasks] == [
        ("2024-G-001.1", "教育设施提质"),
        ("2024-G-001.2", "教育设施提质"),
        ("2024-G-001.3", "教育设施提质"),
        ("2024-G-002", ""),
    ]
    assert rows(tasks) == [
        ("新建县实验学校，扩建城东小学。", ["张三"], ["县教育局", "县建设中心"], ["县财政局", "县自然资源局"]),
        ("打造最美上学路5条。", ["李四"], ["城东街道"], ["县住建局", "县公安局"]),
        ("增加学生午休课桌椅2000套。", ["张三"], ["县教育局"], ["县发改局"]),
        ("基层医疗：新建规范化村卫生室8家。", ["王五"], ["县卫健局"], []),
    ]


# -- 3. pipe-separated rows --------------------------------------------------------------------------------------


def test_pipe_rows_with_empty_and_row_spanned_cells_and_a_repeated_header():
    header = "大类 | 序号 | 工作任务 | 分管 县领导 | 牵头单位及 主要负责人 | 落实进展情况 |"
    lines = [
        *TITLE,
        header,
        "一、兜牢民生底线 | 1 | 提高城乡低保标准至每人每月900元。 | 张三 | 县民政局 赵六 | 已完成。 |",
        "2 | 提高特困人员供养标准。 | 张三 | 县民政局 赵六 | |",  # the group cell given once: one cell fewer
        "— 2 —",
        header,  # the header again after a page break
        "二、办好教育 | 3 | 新增学位2000个。 | 李四 | 县教育局 钱七 | 进行中 |",
        "4 | 改造校舍5所。 | | 县教育局 钱七 | |",
    ]
    tasks = parse(lines)
    assert rows(tasks) == [
        ("提高城乡低保标准至每人每月900元。", ["张三"], ["县民政局"], []),
        ("提高特困人员供养标准。", ["张三"], ["县民政局"], []),
        ("新增学位2000个。", ["李四"], ["县教育局"], []),
        ("改造校舍5所。", [], ["县教育局"], []),
    ]
    assert [t.section for t in tasks] == ["一、兜牢民生底线"] * 2 + ["二、办好教育"] * 2
    assert tasks[0].responsible_persons == ["赵六"]


def test_pipe_rows_with_letter_spaced_header_and_a_target_column():
    lines = [
        *TITLE,
        "序号 | 任 务 名 称 | 指 标 要 求 | 牵 头 部 门 | 配 合 部 门 | 目 标 类 型 |",
        "1 | 地区生产总值 | 增长6%（市下达指标） | 县发改局 | 县财政局、县统计局 | A类 |",
        "2 | 服务业增加值 | 增长7% | 县发改局 | 县商务局 | B类 |",
    ]
    assert rows(parse(lines)) == [
        ("地区生产总值：增长6%（市下达指标）", [], ["县发改局"], ["县财政局", "县统计局"]),
        ("服务业增加值：增长7%", [], ["县发改局"], ["县商务局"]),
    ]


# -- 4. space- or tab-separated rows on single lines ----------------------------------------------------------------


def test_space_separated_rows_with_the_header_at_the_end_of_a_line():
    lines = [
        *TITLE,
        "请认真组织实施。 附件：某县2024年重点工作任务分解表 序号 名称 工作任务 牵头责任单位",
        "",
        "一、主要预期目标（3项）",
        "",
        "1 地区生产总值增长6%左右，服务业增加值占比47%. 发改局",
        "",
        "2 一般公共预算收入增长5%以上. 财政局",
        "",
        "3 全社会固定资产投资增长8%，其中工业投资增长10%. 发改局、经信局、科技局",
    ]
    tasks = parse(lines)
    assert rows(tasks) == [
        ("地区生产总值增长6%左右，服务业增加值占比47%.", [], ["发改局"], []),
        ("一般公共预算收入增长5%以上.", [], ["财政局"], []),
        ("全社会固定资产投资增长8%，其中工业投资增长10%.", [], ["发改局", "经信局", "科技局"], []),
    ]
    assert {t.section for t in tasks} == {"一、主要预期目标（3项）"}


def test_tab_separated_rows():
    lines = [
        *TITLE,
        "序号\t工作任务\t牵头领导\t牵头单位\t配合单位\t完成时限",
        "1\t新增城镇就业5000人。\t张三\t县人社局\t县财政局\t12月底前",
        "2\t新建口袋公园10个。\t\t县住建局\t\t9月底前",
    ]
    tasks = parse(lines)
    assert rows(tasks) == [
        ("新增城镇就业5000人。", ["张三"], ["县人社局"], ["县财政局"]),
        ("新建口袋公园10个。", [], ["县住建局"], []),
    ]
    assert [t.deadline for t in tasks] == ["2024-12-31", "2024-09-30"]


# -- 5. page markers in the middle of a table ---------------------------------------------------------------------


@pytest.mark.parametrize("marker", ["— 3 —", "- 3 -", "第3页", "共5页", "第 3 页，共 5 页"])
def test_page_markers_inside_a_table_are_dropped(marker):
    cells = [
        *("序号", "目标任务", "牵头单位", "配合单位"),
        *("1", "新建污水管网30公里", marker, "县水利局", "县住建局"),
        *(marker, "序号", "目标任务", "牵头单位", "配合单位"),  # a new page repeats the header
        *("2", "完成河道整治10条", "县水利局", marker, "县农业农村局"),
    ]
    assert rows(parse([*TITLE, *one_per_line(cells)])) == [
        ("新建污水管网30公里", [], ["县水利局"], ["县住建局"]),
        ("完成河道整治10条", [], ["县水利局"], ["县农业农村局"]),
    ]


# -- 6. a cell spanning several rows: sub-rows become sub-items ------------------------------------------------------


def test_project_spanning_sub_rows_each_with_its_own_unit():
    cells = [
        *("序号", "项目", "责任单位", "建设内容", "总投资", "(万元)", "2024年", "目标进度"),
        *("1", "完善交通设施", "县新兴产业", "服务中心", "实施甲路提升改造工程。", "4800", "一季度开工，"),
        "年内完成工程量的50%。",  # a progress cell wrapped over two lines
        "",
        "",  # an empty cell: the project and number are not repeated
        *("县住建局", "实施乙桥危桥改造工程。", "1000", "6月开工。"),
        *("2", "加大安居保障", "县住建局", "新建保障性租赁住房500套。", "8700", "年内完成主体结构。"),
    ]
    tasks = parse([*TITLE, *one_per_line(cells)])
    assert [(t.id, t.parent_text) for t in tasks] == [
        ("2024-G-001.1", "完善交通设施"),
        ("2024-G-001.2", "完善交通设施"),
        ("2024-G-002", ""),
    ]
    assert rows(tasks) == [
        ("实施甲路提升改造工程。", [], ["县新兴产业服务中心"], []),
        ("实施乙桥危桥改造工程。", [], ["县住建局"], []),
        ("加大安居保障：新建保障性租赁住房500套。", [], ["县住建局"], []),
    ]


def test_sub_rows_share_the_leader_of_the_numbered_row():
    cells = [
        *("序号", "项目名称", "主要内容", "分管领导", "牵头单位", "配合单位"),
        *("1", "老城更新", "完成纪念馆提升工程。", "张三", "县文旅局", "县城投公司"),
        *("推进老街立面整治。", "县住建局", "城关街道"),
        *("2", "养老服务", "为3000名老年人提供上门服务。", "李四", "县民政局", "各街道"),
    ]
    tasks = parse([*TITLE, *one_per_line(cells)])
    assert rows(tasks) == [
        ("完成纪念馆提升工程。", ["张三"], ["县文旅局"], ["县城投公司"]),
        ("推进老街立面整治。", ["张三"], ["县住建局"], ["城关街道"]),
        ("养老服务：为3000名老年人提供上门服务。", ["李四"], ["县民政局"], []),
    ]


# -- 7. a table whose text lost every separator (a document-sharing site's copy of a .docx) -----------------------

GLUED_HEADER = "序号项目名称主要内容区政府分管领导牵头单位配合单位"
GLUED_ROWS = [
    "1扩大教育资源新建学校8所，增加学位3000个。王建国区教育局经开区各街道",
    "2稳定就业城镇新增就业9000人；开展技能培训5000人次。张菁区民政局区人社局高新园(邹区镇)",
    "3老城复兴完成纪念馆提升工程。王建国区文旅局城投公司整治老街道路4条。李红区住建局东城街道南湖街道",
    "4养老服务为2000名老人提供上门服务。张菁区民政局各街道改造养老服务中心3家。",
]
GLUED_EXPECTED: list[Row] = [
    ("扩大教育资源新建学校8所，增加学位3000个。", ["王建国"], ["区教育局"], ["经开区"]),  # and 各街道
    ("稳定就业城镇新增就业9000人；开展技能培训5000人次。", ["张菁"], ["区民政局"], ["区人社局", "高新园（邹区镇）"]),
    ("老城复兴完成纪念馆提升工程。", ["王建国"], ["区文旅局"], ["城投公司"]),  # item 3 has two sub-rows
    ("整治老街道路4条。", ["李红"], ["区住建局"], ["东城街道", "南湖街道"]),
    ("养老服务为2000名老人提供上门服务。改造养老服务中心3家。", ["张菁"], ["区民政局"], []),  # and 各街道
]


@pytest.mark.parametrize(
    ("title", "ids"),
    [
        ("2024年民生实事项目任务分解表", ["2024-M-001", "2024-M-002", "2024-M-003", "2024-M-004", "2024-M-005"]),
        ("2024年重点工作任务分解表", ["2024-G-001", "2024-G-002", "2024-G-003.1", "2024-G-003.2", "2024-G-004"]),
    ],
)
@pytest.mark.parametrize("pages", [False, True])
def test_a_table_that_lost_every_separator(title, ids, pages):
    text = f"{title}{GLUED_HEADER}{''.join(GLUED_ROWS[:2])}"
    rest = "".join(GLUED_ROWS[2:])
    if pages:  # the site's page numbers start each line, even inside a cell; the header comes again on page 2
        lines = [f"1、{text}{rest[:9]}", f"2、{rest[9:40]}{GLUED_HEADER}", f"3、{rest[40:]}"]
    else:
        lines = [text + rest]
    found = parse([*TITLE, *lines])
    assert [t.id for t in found] == ids
    assert rows(found) == GLUED_EXPECTED
    assert [[c.name for c in t.collective_units] for t in found] == [["各街道"], [], [], [], ["各街道"]]
    assert [t.line for t in found] == ([3, 3, 3, 4, 5] if pages else [3] * 5)


def test_a_glued_header_with_its_cells_on_lines_of_their_own_is_left_to_the_cell_reader():
    lines = [*TITLE, GLUED_HEADER, "1", "扩大教育资源新建学校8所。", "王建国", "区教育局", "经开区"]
    assert rows(parse(lines)) == [("扩大教育资源新建学校8所。", ["王建国"], ["区教育局"], ["经开区"])]


@pytest.mark.parametrize(
    ("extra", "cooperating"), [({}, ["城投公司", "谋划东城新区"]), ({"task_verbs": ["谋划"]}, ["城投公司"])]
)
def test_a_workspace_lexicon_reaches_the_glued_table_reader(tmp_path, extra, cooperating):
    body = f"2024年重点工作任务分解表{GLUED_HEADER}1建设老城区完成提升工程。王建国区文旅局城投公司谋划东城新区开发。"
    (tmp_path / "表.txt").write_text("\n".join([*TITLE, body]), encoding="utf-8")
    lexicon = UnitDirectory().lexicon.extended(extra)
    (task,) = parse_file(tmp_path / "表.txt", UnitDirectory(lexicon=lexicon), code="2024").notice.tasks
    assert (task.lead_units, task.cooperating_units) == (["区文旅局"], cooperating)


# -- line numbers, what passes through, where a table sits ------------------------------------------------------------


def test_line_numbers_point_at_the_source_rows():
    lines = [*TITLE, "附件", "", *one_per_line(PROGRESS_TABLE[:20]), "某县人民政府办公室", "2024年2月1日"]
    recovered, numbers, _ = astuple(recover_tables(lines))
    assert len(recovered) == len(numbers)
    assert recovered[:4] == lines[:4] and numbers[:4] == [1, 2, 3, 4]
    first_row = lines.index("1") + 1
    assert numbers[recovered.index("1.新建城市书房12家，其中农村书房5家")] == first_row
    assert numbers[recovered.index("牵头领导：张  三")] == first_row
    assert numbers[recovered.index("2.改造老旧小区20个")] == lines.index("2") + 1
    assert recovered[-2:] == lines[-2:] and numbers[-2:] == [len(lines) - 1, len(lines)]
    notice = parse_notice(recovered, source="表.txt", code="2024", line_numbers=numbers)
    assert [t.line for t in notice.tasks] == [first_row, lines.index("2") + 1]


def test_the_table_ends_where_the_notice_text_goes_on():
    cells = [*("序号", "工作任务", "牵头单位", "配合单位"), *("1", "新建污水管网30公里", "县水利局", "县住建局")]
    lines = [
        *TITLE,
        "一、生态环境",
        *one_per_line(cells),
        "二、社会事业",
        "1.新建学校3所。",
        "牵头单位：县教育局",
        "配合单位：县财政局",
    ]
    assert rows(parse(lines)) == [
        ("新建污水管网30公里", [], ["县水利局"], ["县住建局"]),
        ("新建学校3所。", [], ["县教育局"], ["县财政局"]),
    ]
    recovered = recover_tables(lines).lines
    assert recovered[-4:] == lines[-4:]


@pytest.mark.parametrize("name", [NOTICE_2019, NOTICE_2021])
def test_notices_without_flattened_tables_pass_through(name):
    source = read_notice_file(SAMPLE / "input" / "notices" / name)
    lines = (SAMPLE / "input" / "notices" / name).read_bytes().decode("utf-8-sig").splitlines()
    assert source.lines == lines and source.line_numbers is None
    assert recover_tables(lines) == Recovered(lines, list(range(1, len(lines) + 1)))


def test_a_table_under_a_livelihood_part_gives_projects():
    lines = [*TITLE, "2024年民生实事项目责任分解", "", *one_per_line(PROGRESS_TABLE)]
    recovered, numbers, _ = astuple(recover_tables(lines))
    notice = parse_notice(recovered, code="2024", line_numbers=numbers)
    assert [(t.id, t.kind, t.text, t.lead_units) for t in notice.tasks] == [
        ("2024-M-001", "livelihood", "新建城市书房12家，其中农村书房5家", ["县文广旅体局"]),
        ("2024-M-002", "livelihood", "改造老旧小区20个", ["县住建局"]),
        ("2024-M-003", "livelihood", "新增托育机构托位300个", ["县卫健局"]),
    ]


def test_flattened_web_page(tmp_path):
    cells = "".join(f"<p>{cell}</p>" for cell in PROGRESS_TABLE)
    page = f"<html><body><div class='article-content'><p>2024年民生实事项目进展情况</p>{cells}</div></body></html>"
    (tmp_path / "进展.html").write_text(page, encoding="utf-8")
    outcome = parse_file(tmp_path / "进展.html", UnitDirectory(), code="2024")
    assert outcome.notice is not None, outcome.error
    assert rows(outcome.notice.tasks) == PROGRESS_ROWS


def test_progress_columns_are_known_and_never_the_task():
    assert [header_field(h) for h in ("形象进度(%)", "进展情况", "10月完成情况", "总投资（万元）", "牵头 市领导")] == [
        "progress",
        "progress",
        "progress",
        "progress",
        "leader",
    ]
    assert map_task_columns(["序号", "进展情况", "工作任务", "完成情况", "牵头单位"]) == {
        "number": 0,
        "progress": 1,
        "task": 2,
        "lead": 4,
    }
    assert map_task_columns(["项目名称", "建设内容", "责任单位"]) == {"task": 1, "name": 0, "responsible": 2}


# -- a task list whose numbering starts again at 1 ------------------------------------------------------------------


def test_task_list_numbered_again_from_one_keeps_both_lists(tmp_path):
    table = [
        ["某县2024年重点工作任务清单"],
        ["序号", "工作任务", "牵头领导", "牵头单位"],
        *[[str(n), f"推进第{n}项年度目标。", "张三", "县发改局"] for n in range(1, 4)],
        *[[str(n), f"完成第{n}项重点工作。", "李四", "县经信局"] for n in range(1, 6)],
    ]
    workbook = openpyxl.Workbook()
    for row in table:
        workbook.active.append(row)
    workbook.save(tmp_path / "清单.xlsx")
    with (tmp_path / "清单.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(table)
    for name in ("清单.xlsx", "清单.csv"):
        tasks = parse_file(Path(tmp_path / name), UnitDirectory(), code="2024").notice.tasks
        assert len(tasks) == 8, name
        assert [t.id for t in tasks] == [f"2024-G1-00{n}" for n in range(1, 4)] + [
            f"2024-G2-00{n}" for n in range(1, 6)
        ]
        assert [t.text for t in tasks[3:5]] == ["完成第1项重点工作。", "完成第2项重点工作。"]
        assert {t.lead_units[0] for t in tasks[3:]} == {"县经信局"}
