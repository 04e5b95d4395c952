"""Reading notice files into lines of text. Only I/O lives here; parsing is in ``reporter.notices.parser``.

Plain text is read as UTF-8 (with or without BOM), UTF-16 (with BOM), or GB18030 (a superset of GBK/GB2312),
detected in that order (``reporter.notices.decode``). .docx, .html, .pdf, .xlsx/.csv task lists and .doc/.wps (through LibreOffice) are
turned into lines by ``reporter.notices.formats``. Plain text and web pages are where task tables arrive flattened
(one cell per line, ``|`` or space-separated rows): ``reporter.notices.blocks`` writes those back as notice lines,
and ``SourceText.line_numbers`` keeps the source line of each line.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from reporter.errors import SourceError
from reporter.notices import formats as documents
from reporter.notices.blocks import recover_tables
from reporter.notices.decode import decode_text
from reporter.notices.lexicon import Lexicon

TEXT_SUFFIXES = (".txt", ".text")
DOCUMENT_SUFFIXES = (".docx", ".html", ".htm", ".pdf", ".xlsx", ".xls", ".et", ".csv", ".doc", ".wps")
NOTICE_SUFFIXES = TEXT_SUFFIXES + DOCUMENT_SUFFIXES
MAX_NOTICE_BYTES = 20 * 1024 * 1024
# Control characters no office file can hold (tab stays; line ends have split the lines): dropped when a notice is
# read, so that a task's text and its units' names are the same in the store, the forms, the ledger and the briefs.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class SourceText:
    """A notice file read into lines, with what was detected about it."""

    path: Path
    lines: list[str]
    encoding: str
    sha256: str
    line_numbers: list[int] | None = None  # the source line of each line, when they differ from 1, 2, 3 …
    gaps: tuple[tuple[int, str], ...] = ()  # table rows that lacked a cell: (source line, column header)


def read_notice_file(path: Path, lexicon: Lexicon | None = None) -> SourceText:
    """Read a notice file into lines; raise ``SourceError`` with a Chinese message when it cannot be read.
    ``lexicon`` (a workspace's, when it added words) is used to recover flattened tables."""
    if not path.exists():
        raise SourceError(f"{path.name}：文件不存在")
    if path.is_dir():
        raise SourceError(f"{path.name}：这是文件夹，不是通知文件")
    suffix = path.suffix.lower()
    if suffix not in NOTICE_SUFFIXES:
        supported = "、".join(NOTICE_SUFFIXES)
        raise SourceError(f"{path.name}：不支持 {suffix or '无扩展名'} 格式的通知（支持 {supported}）")
    size = path.stat().st_size
    if size > MAX_NOTICE_BYTES:
        raise SourceError(f"{path.name}：文件过大（{size // 1024 // 1024} MB），不像是一份通知")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path.name}：无法读取（{exc.strerror or exc}）") from exc
    if not data.strip():
        raise SourceError(f"{path.name}：文件是空的")
    sha256 = hashlib.sha256(data).hexdigest()
    if suffix in (".html", ".htm"):
        return _recovered(path, _printable(_document_lines(path, suffix, data)), suffix[1:], sha256, lexicon)
    if suffix in DOCUMENT_SUFFIXES:
        return SourceText(
            path=path, lines=_printable(_document_lines(path, suffix, data)), encoding=suffix[1:], sha256=sha256
        )
    text, encoding = decode_text(data, path.name)
    return _recovered(path, _printable(text.splitlines()), encoding, sha256, lexicon)


def _printable(lines: list[str]) -> list[str]:
    return [line if line.isprintable() else _CONTROLS.sub("", line) for line in lines]


def _recovered(path: Path, lines: list[str], encoding: str, sha256: str, lexicon: Lexicon | None) -> SourceText:
    """Text in which task tables may have been flattened: the tables written out again as notice lines."""
    recovered = recover_tables(lines, lexicon)
    numbers = None if recovered.numbers == list(range(1, len(lines) + 1)) else recovered.numbers
    return SourceText(
        path=path,
        lines=recovered.lines,
        encoding=encoding,
        sha256=sha256,
        line_numbers=numbers,
        gaps=tuple(recovered.gaps),
    )


def _document_lines(path: Path, suffix: str, data: bytes) -> list[str]:
    if suffix == ".docx":
        lines = documents.docx_lines(path)
    elif suffix in (".html", ".htm"):
        lines = documents.html_lines(data, path.name)
    elif suffix == ".pdf":
        lines = documents.pdf_lines(path)
    elif suffix in (".xlsx", ".xls", ".et"):
        lines = documents.task_list_lines(documents.spreadsheet_rows(path), path.name)
    elif suffix == ".csv":
        lines = documents.task_list_lines(documents.csv_rows(data, path.name), path.name)
    else:
        lines = documents.converted_docx_lines(path)
    return [line for text in lines for line in text.split("\n")]
