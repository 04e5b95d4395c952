"""PDF fonts: missing official-document fonts (仿宋_GB2312 …) map to the closest installed face of the same kind, and
LibreOffice embeds that face instead of a Japanese sans one."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from reporter.io import office as office_io
from reporter.io.office import FontSubstitution, closest_face, convert_with_office, font_kind, font_substitutions
from reporter.reports import render
from reporter.reports.render import ReportResult
from reporter.settings import WordFonts

NOTO = ("Noto Serif CJK SC", "Noto Sans CJK SC", "Noto Sans Mono CJK SC", "DejaVu Sans")


def test_kinds_of_official_fonts():
    assert [font_kind(f) for f in ("仿宋_GB2312", "方正小标宋简体", "宋体", "FangSong", "STZhongsong")] == ["serif"] * 5
    assert [font_kind(f) for f in ("楷体_GB2312", "KaiTi", "FZKai-Z03")] == ["kai"] * 3
    assert [font_kind(f) for f in ("黑体", "SimHei", "微软雅黑", "Microsoft YaHei")] == ["hei"] * 4
    assert font_kind("Times New Roman") is None


def test_closest_face_keeps_the_kind():
    # Only Noto CJK installed (this machine, CI): serif and kai fonts never become the sans face.
    assert closest_face("仿宋_GB2312", NOTO) == "Noto Serif CJK SC"
    assert closest_face("方正小标宋简体", NOTO) == "Noto Serif CJK SC"
    assert closest_face("楷体_GB2312", NOTO) == "Noto Serif CJK SC"
    assert closest_face("黑体", NOTO) == "Noto Sans CJK SC"
    # Better faces first, names compared like fontconfig does (case and blanks ignored).
    assert closest_face("楷体_GB2312", [*NOTO, "ar pl ukai cn"]) == "AR PL UKai CN"
    assert closest_face("仿宋_GB2312", [*NOTO, "FangSong"]) == "FangSong"
    assert closest_face("黑体", [*NOTO, "WenQuanYi Zen Hei"]) == "Noto Sans CJK SC"
    # A sans face only as the last resort; nothing for Latin fonts or when no CJK face is installed.
    assert closest_face("仿宋_GB2312", ["Noto Sans CJK SC"]) == "Noto Sans CJK SC"
    assert closest_face("Times New Roman", NOTO) is None
    assert closest_face("仿宋_GB2312", ["DejaVu Sans"]) is None


def test_no_fontconfig_no_mapping(monkeypatch):
    monkeypatch.setattr(office_io.shutil, "which", lambda name: None)
    assert font_substitutions(["仿宋_GB2312", "黑体"]) == []


@pytest.fixture
def noto_without_official_fonts() -> None:
    """fontconfig with Noto Serif/Sans CJK SC (CI installs fonts-noto-cjk) and without 仿宋_GB2312."""
    if shutil.which("fc-list") is None or shutil.which("fc-match") is None:
        pytest.skip("未安装 fontconfig 工具（fc-list、fc-match）")
    installed = office_io.installed_families() or set()
    if "notoserifcjksc" not in installed or "notosanscjksc" not in installed:
        pytest.skip("未安装 Noto Serif/Sans CJK SC 字体")
    if "仿宋_gb2312" in installed:
        pytest.skip("本机装有仿宋_GB2312，无需替换")


def test_substitutions_resolve_with_fontconfig(noto_without_official_fonts):
    fonts = WordFonts()
    families = [fonts.body, fonts.title, fonts.heading1, fonts.heading2, fonts.body, "Noto Serif CJK SC", "Arial"]
    found = {s.wanted: s.used for s in font_substitutions(families)}
    assert found["仿宋_GB2312"] == "Noto Serif CJK SC"
    assert found["方正小标宋简体"] == "Noto Serif CJK SC"
    assert found["楷体_GB2312"] in ("Noto Serif CJK SC", "KaiTi", "楷体", "AR PL UKai CN", "AR PL KaitiM GB")
    assert found["黑体"] in ("Noto Sans CJK SC", "SimHei")
    assert "Noto Serif CJK SC" not in found and "Arial" not in found


@pytest.fixture
def office_tools() -> None:
    """LibreOffice and pdffonts; skipped only when LibreOffice is not installed."""
    if office_io.find_office() is None:
        pytest.skip("未安装 LibreOffice")
    assert shutil.which("pdffonts"), "未安装 pdffonts（poppler-utils）"


def test_pdf_embeds_the_serif_face(office_tools, noto_without_official_fonts, tmp_path):
    source = tmp_path / "通报.docx"
    document = Document()
    run = document.add_paragraph().add_run("关于全市重点工作督查情况的通报")
    run.font.name = "仿宋_GB2312"
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")
    document.save(source)
    substitutions = font_substitutions(["仿宋_GB2312"])
    assert substitutions == [FontSubstitution("仿宋_GB2312", "Noto Serif CJK SC")]
    converted = convert_with_office([source], "pdf", tmp_path / "pdf", timeout=300, fonts=substitutions)
    assert converted == [tmp_path / "pdf" / "通报.pdf"]
    listing = subprocess.run(["pdffonts", str(converted[0])], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in listing.splitlines()[2:] if line.strip()]
    assert any("SerifCJK" in name for name in names), listing
    assert not any("Sans" in name for name in names), listing


def test_one_note_names_the_substitutes(monkeypatch, tmp_path):
    substitutions = [
        FontSubstitution("仿宋_GB2312", "Noto Serif CJK SC"),
        FontSubstitution("方正小标宋简体", "Noto Serif CJK SC"),
        FontSubstitution("黑体", "Noto Sans CJK SC"),
    ]
    calls = []

    def fake_convert(paths: list[Path], target: str, folder: Path, **options: object) -> list[Path]:
        calls.append(options["fonts"])
        return [folder / "a.pdf"]

    monkeypatch.setattr(render, "font_substitutions", lambda families: substitutions)
    monkeypatch.setattr(render, "convert_with_office", fake_convert)
    result = ReportResult(tmp_path)
    files = render.to_pdf([tmp_path / "a.docx"], tmp_path, result, WordFonts())
    assert [f.path.name for f in files] == ["a.pdf"] and calls == [substitutions]
    assert result.notes == [
        "本机未安装公文字体仿宋_GB2312、方正小标宋简体、黑体，PDF 中仿宋_GB2312、方正小标宋简体以 Noto Serif CJK SC 代替，"
        "黑体以 Noto Sans CJK SC 代替；正式印发请在装有公文字体的电脑上转换"
    ]

    monkeypatch.setattr(render, "font_substitutions", lambda families: substitutions[:2])
    result = ReportResult(tmp_path)
    render.to_pdf([tmp_path / "a.docx"], tmp_path, result, WordFonts())
    assert result.notes == [
        "本机未安装公文字体仿宋_GB2312、方正小标宋简体，PDF 中以 Noto Serif CJK SC 代替；正式印发请在装有公文字体的电脑上转换"
    ]
