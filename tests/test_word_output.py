"""Every .docx we write is ours, not python-docx's template's: zh-CN language tags, our core properties (the
brief's title, the office as author, the period, created and modified now), none of the template's leftovers
(its author "python-docx", its 2013 dates, ja-JP, its thumbnail, Word 2010's copy of the styles). Checked by
unzipping the files as Word, WPS and Explorer read them, for the default templates, every kind of brief, and a
brief rendered from an old template the office edited."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from reporter.io.word import DocumentProperties, make_own
from reporter.reports.templates import LEADER, MONTHLY, TEMPLATES
from tests.cycle_helpers import invoke, make_workspace

OFFICE = "市政府督查室"  # reporter.toml's office in tests/cycle_helpers.py
NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "ep": "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
}
BRIEFS = {  # file under output/reports/2021-06 -> (title, kind)
    "2021年6月目标任务督查通报.docx": ("2021年6月政府工作报告目标任务推进情况通报", "月度督查通报"),
    "领导专报/张三-2021-06督查专报.docx": ("2021年6月政府工作报告目标任务推进情况专报", "领导督查专报"),
    "区县专报/海曙-2021-06督查专报.docx": ("海曙区2021年6月目标任务推进情况专报", "区县督查专报"),
    "单位专报/市发改委-2021-06.docx": ("市发改委2021年6月目标任务推进情况", "单位督查专报"),
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    root = make_workspace(tmp_path_factory.mktemp("word") / "ws")
    result = invoke("-w", root, "report", "--period", "2021-06", "--units")
    assert result.exit_code == 0, result.output
    return root


def parts(path: Path) -> dict[str, str]:
    """Every XML part of a .docx, as text."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".xml")}


def core(path: Path) -> dict[str, str]:
    """docProps/core.xml as prefix:name -> text."""
    from lxml import etree

    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("docProps/core.xml"))
    prefixes = {uri: prefix for prefix, uri in NS.items()}
    return {f"{prefixes[etree.QName(e).namespace]}:{etree.QName(e).localname}": e.text or "" for e in root}


def written_at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def assert_ours(path: Path) -> dict[str, str]:
    """No trace of python-docx's template, zh-CN everywhere; returns the core properties."""
    from lxml import etree

    xml = parts(path)
    for name, text in xml.items():
        assert "python-docx" not in text, name
        assert "ja-JP" not in text and "en-US" not in text, name
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    assert not [n for n in names if "thumbnail" in n or "stylesWithEffects" in n or n.startswith("customXml/")]
    styles = etree.fromstring(xml["word/styles.xml"].encode())
    default = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    assert default is not None
    assert (default.get(qn("w:val")), default.get(qn("w:eastAsia"))) == ("zh-CN", "zh-CN")
    for name, text in xml.items():
        for tag in re.findall(r"<w:lang [^>]*>", text):
            assert 'w:val="zh-CN"' in tag and 'w:eastAsia="zh-CN"' in tag, (name, tag)
    assert '<w:themeFontLang w:val="zh-CN" w:eastAsia="zh-CN"/>' in xml["word/settings.xml"]
    app = etree.fromstring(xml["docProps/app.xml"].encode())
    assert app.findtext("ep:Company", namespaces=NS) == OFFICE
    assert app.findtext("ep:Application", namespaces=NS) == "reporter"
    properties = core(path)
    assert properties["dc:creator"] == properties["cp:lastModifiedBy"] == OFFICE
    assert properties["dc:language"] == "zh-CN" and properties["cp:revision"] == "1"
    assert properties["dc:description"] == "" and "cp:lastPrinted" not in properties
    now = datetime.now(UTC)
    created, modified = written_at(properties["dcterms:created"]), written_at(properties["dcterms:modified"])
    assert created == modified and now - timedelta(minutes=30) < created <= now
    return properties


@pytest.mark.parametrize("name", list(BRIEFS))
def test_every_brief_is_ours(workspace, name):
    path = workspace / "output" / "reports" / "2021-06" / name
    properties = assert_ours(path)
    title, kind = BRIEFS[name]
    assert properties["dc:title"] == title
    assert properties["dc:subject"] == "2021年6月"
    assert properties["cp:keywords"] == f"{kind}；2021年6月；2021-06"
    assert properties["cp:category"] == kind
    assert Document(path).paragraphs  # python-docx opens it again


@pytest.mark.parametrize("spec", TEMPLATES, ids=[t.kind for t in TEMPLATES])
def test_default_templates_are_ours(workspace, spec):
    properties = assert_ours(workspace / "templates" / spec.file)
    assert properties["dc:title"] == properties["cp:category"] == spec.title
    assert properties["cp:keywords"] == f"reporter-template {spec.kind} 2"


def test_a_brief_from_an_old_edited_template_is_ours(workspace, tmp_path):
    """A template the office edited long ago, on python-docx's template with all its leftovers (author
    python-docx, 2013 dates, ja-JP theme language, a run tagged en-US/ja-JP, a print date, thumbnail, Word 2010
    styles copy, an empty bibliography): it renders, and the brief carries none of it."""
    root = tmp_path / "ws"
    import shutil

    shutil.copytree(workspace, root)
    template = root / "templates" / LEADER.file
    document = Document()  # python-docx's own template, untouched
    properties = document.core_properties
    assert properties.author == "python-docx" and properties.created.year == 2013
    properties.last_printed = datetime(2014, 1, 1, tzinfo=UTC)
    document.add_paragraph("{{ title }}")
    run = document.add_paragraph().add_run("{{ office }}（{{ date }}）")
    language = run._r.get_or_add_rPr().makeelement(qn("w:lang"), {qn("w:val"): "en-US", qn("w:eastAsia"): "ja-JP"})
    run._r.get_or_add_rPr().append(language)
    document.save(template)
    with zipfile.ZipFile(template) as archive:
        names = archive.namelist()
        assert "ja-JP" in archive.read("word/settings.xml").decode()
    assert {"docProps/thumbnail.jpeg", "word/stylesWithEffects.xml", "customXml/item1.xml"} <= set(names)
    result = invoke("-w", root, "report", "--period", "2021-06")
    assert result.exit_code == 0, result.output
    brief = root / "output" / "reports" / "2021-06" / "领导专报" / "张三-2021-06督查专报.docx"
    properties = assert_ours(brief)
    assert properties["dc:title"] == "2021年6月政府工作报告目标任务推进情况专报"
    assert properties["cp:category"] == "领导督查专报"
    text = [p.text for p in Document(brief).paragraphs]
    assert text[:2] == ["2021年6月政府工作报告目标任务推进情况专报", f"{OFFICE}（2021年6月25日）"]


@pytest.mark.parametrize(
    ("title", "author", "stored_title", "stored_author"),
    [
        ("宁波&舟山<专报>", "督查室 & 办公室", "宁波&舟山<专报>", "督查室 & 办公室"),
        ("控制\x01字符\x0b", "督查\x00室", "控制字符", "督查室"),
    ],
)
def test_properties_are_xml_safe(tmp_path, title, author, stored_title, stored_author):
    document = Document()
    when = datetime(2021, 6, 25, 9, 30, tzinfo=UTC)
    make_own(document, DocumentProperties(title, author, "2021年6月", "月度督查通报；2021-06", "月度督查通报"), when)
    path = tmp_path / "a.docx"
    document.save(path)
    reopened = Document(path).core_properties
    assert (reopened.title, reopened.author, reopened.last_modified_by) == (stored_title, stored_author, stored_author)
    assert reopened.created == reopened.modified == when
    assert (reopened.subject, reopened.category, reopened.language) == ("2021年6月", "月度督查通报", "zh-CN")
    with zipfile.ZipFile(path) as archive:
        app = archive.read("docProps/app.xml").decode()
    assert f"<Company>{stored_author.replace('&', '&amp;')}</Company>" in app


def test_a_template_names_the_default_office_when_none_is_configured(tmp_path):
    from reporter.reports.templates import build_template
    from reporter.settings import WordFonts

    path = build_template(MONTHLY, tmp_path / MONTHLY.file, WordFonts())
    assert core(path)["dc:creator"] == "督查室"


def _table_template(path: Path, cells: list[str]) -> Path:
    document = Document()
    document.add_paragraph("{{ title }}")
    table = document.add_table(rows=2, cols=len(cells))
    for column, text in enumerate(cells):
        table.cell(0, column).text = text.replace("{{ m }}", "表头").replace("{{ name }}", "单位")
        table.cell(1, column).text = text
    document.save(path)
    return path


def test_a_column_loop_in_a_template_still_gets_its_table_grid_repaired(tmp_path):
    from reporter.io.word import WordTemplate, word_environment

    path = _table_template(
        tmp_path / "列循环.docx", ["{{ name }}", "{%tc for m in months %}", "{{ m }}", "{%tc endfor %}"]
    )
    for months in (["一月"], ["一月", "二月", "三月", "四月"]):
        template = WordTemplate(path)
        template.render({"title": "通报", "name": "市发改委", "months": months}, word_environment())
        template.save(tmp_path / "out.docx")
        table = Document(str(tmp_path / "out.docx")).tables[0]._tbl
        grid = table.findall(qn("w:tblGrid") + "/" + qn("w:gridCol"))
        assert [len(row.findall(qn("w:tc"))) for row in table.findall(qn("w:tr"))] == [1 + len(months)] * 2
        assert len(grid) == 1 + len(months)


def test_a_template_without_column_loops_renders_as_docxtpl_renders_it(tmp_path):
    from docxtpl import DocxTemplate
    from lxml import etree

    from reporter.io.word import WordTemplate, word_environment

    path = _table_template(tmp_path / "普通.docx", ["{{ name }}", "{{ m }}", "完成"])
    context = {"title": "通报 <&>", "name": "市发改委", "m": "一月"}
    ours = WordTemplate(path)
    ours.render(context, word_environment())
    theirs = DocxTemplate(str(path))
    theirs.render(context, word_environment())
    assert etree.tostring(ours._template.docx.element.body) == etree.tostring(theirs.docx.element.body)
