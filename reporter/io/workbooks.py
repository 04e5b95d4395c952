"""Reading untrusted workbooks (returned forms) safely and fast.

Every file is checked before any spreadsheet library sees it:

- size is bounded, and the kind is taken from the first bytes, not the file name;
- .xlsx (a zip): members' declared sizes, count and compression ratio are checked before anything is
  decompressed; every XML part is refused if it declares a DTD or entities, the parts we parse ourselves go
  through defusedxml, and every cell position is checked so that no sheet claims a range far outside any form
  (A1 with XFD1048576 makes the fast reader allocate terabytes and abort the process);
- an encrypted file is recognised and refused with a message;
- legacy .xls/.et and .ods files are read in a child process with a memory limit, so a hostile file can only
  kill the child.

Values are read with python-calamine (about 15x faster than openpyxl).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import cast
from xml.parsers import expat

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from python_calamine import CalamineWorkbook

from reporter.io.files import as_new_file, new_temp_file
from reporter.parallel import child_environment
from reporter.problems import (
    FILE_CELL_OUT_OF_RANGE,
    FILE_CORRUPT,
    FILE_EMPTY,
    FILE_ENCRYPTED,
    FILE_LEGACY_UNREADABLE,
    FILE_NOT_WORKBOOK,
    FILE_TIMEOUT,
    FILE_TOO_LARGE,
    FILE_TOO_MANY_CELLS,
    FILE_UNREADABLE,
    FILE_XML_DTD,
    FILE_ZIP_BOMB,
    RESAVE_ADVICE,
    ProblemType,
)
from reporter.text import readable_number

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_MEMBER_RATIO = 100
MAX_MEMBERS = 2000
MAX_ROWS = 10_000
MAX_COLUMNS = 200
MAX_CELLS = 500_000
CHILD_TIMEOUT_SECONDS = 120
CHILD_MEMORY_BYTES = 2 * 1024 * 1024 * 1024

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et", ".ods")

_ENCRYPTED_MARKERS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))
_RESAVE = RESAVE_ADVICE


class WorkbookRejected(Exception):
    """The file cannot be read as a workbook; its registered ``kind`` (``code``) and a Chinese ``message`` say why.

    ``fields`` fill the kind's template, so ``kind.at(location, **fields)`` reports it as a problem.
    """

    def __init__(self, kind: ProblemType, /, **fields: object) -> None:
        message = kind.message(**fields)
        super().__init__(message)
        self.kind = kind
        self.fields = fields
        self.code = kind.code
        self.message = message


@dataclass
class RawSheet:
    name: str
    visible: bool
    rows: list[list[object]]


@dataclass
class RawWorkbook:
    """A workbook's values: every sheet (hidden ones too), rows from A1, plus when it was last saved."""

    path: Path
    kind: str
    sha256: str
    sheets: list[RawSheet] = field(default_factory=list)
    saved_at: str = ""
    author: str = ""  # who saved it last (docProps/core.xml ``cp:lastModifiedBy``), when recorded
    kept: Path | None = None  # a copy of the bytes read (``read_workbook``'s ``keep_in``), for the caller to keep

    def sheet(self, name: str) -> RawSheet | None:
        return next((s for s in self.sheets if s.name == name), None)


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file (of at most ``MAX_FILE_BYTES``; larger files get a hash of their first part)."""
    with path.open("rb") as handle:
        return hashlib.sha256(handle.read(MAX_FILE_BYTES + 1)).hexdigest()


def whole_file_sha256(path: Path) -> str:
    """The SHA-256 of a whole file, read in chunks (the ledger: any size)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_bounded(path: Path, limit: int) -> bytes:
    """A file's bytes, refused when it is larger than ``limit``."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise WorkbookRejected(FILE_TOO_LARGE, size_mb=size / 1024 / 1024, limit_mb=limit // 1024 // 1024)
        return path.read_bytes()
    except OSError as exc:
        raise WorkbookRejected(FILE_UNREADABLE, reason=exc.strerror or exc) from exc


def _open_zip(data: bytes) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        return archive, archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WorkbookRejected(FILE_CORRUPT, detail="文件已损坏或不完整（压缩包结构错误），可能传输中断") from exc


def read_workbook(path: Path, keep_in: Path | None = None) -> RawWorkbook:
    """Check and read a returned workbook. Raises ``WorkbookRejected`` with a Chinese message.

    ``keep_in``: a folder where the bytes read are also written, once they are read as a workbook (``kept``, a
    temporary file the caller renames or removes; ``None`` when it could not be written): the copy archived is
    then the very bytes read and hashed, not a second reading of a file that may have changed since."""
    data = _read_bounded(path, MAX_FILE_BYTES)
    if not data:
        raise WorkbookRejected(FILE_EMPTY)
    sha256 = hashlib.sha256(data).hexdigest()
    if data.startswith(ZIP_MAGIC):
        workbook = _read_zip(path, data, sha256)
    elif data.startswith(OLE_MAGIC):
        if any(marker in data for marker in _ENCRYPTED_MARKERS):
            raise WorkbookRejected(
                FILE_ENCRYPTED, message="文件设置了打开密码，无法读取。请取消密码（文件→信息→保护工作簿）后重新保存报送"
            )
        kind = "et" if path.suffix.lower() == ".et" else "xls"
        workbook = _read_in_child(path, kind, sha256)
    else:
        raise WorkbookRejected(FILE_NOT_WORKBOOK, message=_not_a_workbook(path, data))
    if keep_in is not None:
        workbook.kept = keep_bytes(data, keep_in, f"{sha256}.{workbook.kind}")
    return workbook


def keep_bytes(data: bytes, folder: Path, name: str) -> Path | None:
    """``data`` in a new temporary file in ``folder`` (``new_temp_file``); ``None`` when it cannot be written (the
    caller copies the original instead)."""
    try:
        temp = new_temp_file(folder, name)
    except OSError:
        return None
    try:
        temp.write_bytes(data)
        as_new_file(temp)
    except OSError:
        temp.unlink(missing_ok=True)
        return None
    return temp


def _not_a_workbook(path: Path, data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if head.startswith((b"<html", b"<!doctype html", b"<?xml")) or b"<table" in head:
        return f"文件实为网页或 XML 格式（扩展名为 {path.suffix or '无'}），不是 Excel 工作簿。{_RESAVE}"
    if data.startswith(b"%PDF"):
        return "文件是 PDF，不是 Excel 工作簿。请报送下发的 Excel 填报表"
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return f"文件已损坏或不完整（不是有效的 Excel 工作簿），可能传输中断。{_RESAVE}"
    return f"不是 Excel 工作簿（扩展名为 {path.suffix or '无'}）。请报送下发的 .xlsx 填报表"


def _read_zip(path: Path, data: bytes, sha256: str) -> RawWorkbook:
    archive, members = _open_zip(data)
    _check_members(members)
    names = {m.filename for m in members}
    if "mimetype" in names and _member(archive, "mimetype").startswith(b"application/vnd.oasis.opendocument"):
        if b"spreadsheet" not in _member(archive, "mimetype"):
            raise WorkbookRejected(FILE_NOT_WORKBOOK, message="文件是 OpenDocument 文字或演示文档，不是电子表格")
        _check_xml_parts(archive, members)
        return _read_in_child(path, "ods", sha256)
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise WorkbookRejected(
                FILE_NOT_WORKBOOK, message="文件是 Word 文档，不是 Excel 工作簿。请报送下发的 Excel 填报表"
            )
        if "EncryptedPackage" in names:
            raise WorkbookRejected(FILE_ENCRYPTED, message="文件设置了打开密码，无法读取。请取消密码后重新保存报送")
        raise WorkbookRejected(FILE_NOT_WORKBOOK, message=f"文件不是 Excel 工作簿（缺少工作簿内容）。{_RESAVE}")
    _check_xml_parts(archive, members)
    saved_at = _saved_at(archive, names)
    workbook = RawWorkbook(path, "xlsx", sha256, saved_at=saved_at)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for meta in book.sheets_metadata:
            sheet = book.get_sheet_by_name(meta.name)
            rows = cast("list[list[object]]", sheet.to_python(skip_empty_area=False))  # read only: any cell value
            workbook.sheets.append(RawSheet(meta.name, str(meta.visible).endswith("Visible"), rows))
    except Exception as exc:  # calamine raises its own error types for every malformed part
        raise WorkbookRejected(FILE_CORRUPT, detail=f"文件内容已损坏，无法读取（{type(exc).__name__}）") from exc
    return workbook


def _member(archive: zipfile.ZipFile, name: str, limit: int = 1024 * 1024) -> bytes:
    with archive.open(name) as handle:
        return handle.read(limit)


def _check_members(members: list[zipfile.ZipInfo], limit: int = MAX_UNCOMPRESSED_BYTES) -> None:
    """Bound a zip before decompressing anything: member count, declared sizes, compression ratios."""
    if len(members) > MAX_MEMBERS:
        raise WorkbookRejected(FILE_ZIP_BOMB, detail=f"文件结构异常（包含{len(members)}个部件）")
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise WorkbookRejected(FILE_ENCRYPTED, message="文件设置了密码，无法读取。请取消密码后重新保存报送")
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1024 * 1024 and ratio > MAX_MEMBER_RATIO:
            raise WorkbookRejected(
                FILE_ZIP_BOMB, detail=f"文件结构异常（部件 {member.filename} 压缩比 {ratio:.0f}:1），疑似压缩炸弹"
            )
    if total > limit:
        raise WorkbookRejected(
            FILE_ZIP_BOMB, detail=f"文件解压后过大（{total / 1024 / 1024:.0f} MB，上限 {limit // 1024 // 1024} MB）"
        )


def _check_xml_parts(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """No DTDs or entities in any XML part; no cell positions beyond any plausible form."""
    for member in members:
        name = member.filename
        if not name.endswith((".xml", ".rels")):
            continue
        try:
            data = _member(archive, name, limit=MAX_UNCOMPRESSED_BYTES)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise WorkbookRejected(FILE_CORRUPT, detail=f"文件已损坏或不完整（部件 {name} 无法解压）") from exc
        scan_xml(name, data, cells=name.startswith("xl/worksheets/"))


_REFERENCE = re.compile(r"\$?([A-Za-z]+)\$?(\d+)")
# The fast scan of a worksheet: an ASCII-compatible part (UTF-8, or any encoding whose markup is ASCII), every cell
# tag (any prefix) and every unprefixed ``r`` attribute (on a cell, a row or anything else: more is only stricter)
_ASCII_START = re.compile(rb"[ \t\r\n]*<")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?c[ \t\r\n/>]")
# an r after white space (the look-behind after the literal lets the search skip to each r: several times faster
# than the same pattern starting with the white space, with the same matches); odd quoting read exactly
_POSITION = re.compile(rb"r(?<=[ \t\r\n]r)[ \t\r\n]*=[ \t\r\n]*[\"']([^\"']*)[\"']")
_POSITIONS = re.compile(rb"(?:[ \t\r\n]*\$?[A-Za-z]{0,4}\$?\d{1,12}[ \t\r\n]*\x00)*")  # \x00-joined
_LETTERS = re.compile(rb"[A-Za-z]+")
_PLAIN_CELL_TAG = re.compile(rb"<c[ \t\r\n/>]")  # _CELL_TAG in a part with no prefixed tag
_DIGITS = re.compile(rb"\d+")


def scan_xml(name: str, data: bytes, *, cells: bool = False) -> None:
    """Parse one XML part with expat, refusing a DTD or an entity declaration as defusedxml's ``forbid_dtd`` does
    (the handler raises before anything can be declared or expanded). In a worksheet (``cells``), count the cells
    and check every cell and row position, whatever the quoting, spacing or namespace prefix: a cell at
    XFD1048576 would make the reader allocate for the whole range. Raises ``WorkbookRejected``.

    Positions are found by a byte scan (a form's worksheet in a few hundred microseconds, where a Python handler
    for every element took milliseconds); a part the scan cannot read exactly (not ASCII-compatible, a comment or
    CDATA, an entity in a position, a malformed position) is checked element by element instead.

    A part that is plain (ASCII-compatible, no ``<!`` anywhere, so no DTD, entity declaration, comment or CDATA
    can be in it) and whose positions the scan read needs no parser: nothing in it can be declared or expanded,
    and the parts the reader reads it checks itself (a malformed one refuses the file as corrupt). Parsing every
    part with expat as well was a fifth of reading a return."""
    plain = _ASCII_START.match(data) is not None and b"<!" not in data and b"\x00" not in data
    if plain:
        scanned = _scan_positions(data) if cells else (0, 0, 0)
        if scanned is not None:
            _check_extent(name, scanned)
            return
    parser = expat.ParserCreate()  # no namespace processing: tags keep their prefix (``c``, ``x:c``)

    def refuse(*_: object) -> None:
        raise WorkbookRejected(FILE_XML_DTD, part=name)

    def refuse_external(*_: object) -> int:
        raise WorkbookRejected(FILE_XML_DTD, part=name)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse_external
    counted = _count_elements(parser, name) if cells else [0, 0, 0]
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise WorkbookRejected(FILE_CORRUPT, detail=f"文件内容已损坏（部件 {name} 不是有效的 XML）") from exc
    _check_extent(name, counted)


def _check_extent(name: str, counted: tuple[int, int, int] | list[int]) -> None:
    """Refuse a worksheet with more cells than any form, or a cell beyond any form's rows and columns."""
    cells_found, max_row, max_column = counted
    if cells_found > MAX_CELLS:
        raise WorkbookRejected(FILE_TOO_MANY_CELLS, part=name, cells=cells_found)
    if max_row > MAX_ROWS or max_column > MAX_COLUMNS:
        raise WorkbookRejected(
            FILE_CELL_OUT_OF_RANGE, part=name, max_row=readable_number(max_row), max_column=readable_number(max_column)
        )


def _scan_positions(data: bytes) -> tuple[int, int, int] | None:
    """Cells, farthest row and farthest column of a plain worksheet (see ``scan_xml``) read from its bytes, or
    ``None`` when the part must be read element by element."""
    found = b"\x00".join(_POSITION.findall(data))
    if b"&" in found or not _POSITIONS.fullmatch(found + b"\x00" if found else b""):
        return None
    rows = max(map(int, set(_DIGITS.findall(found))), default=0)
    letters = set(_LETTERS.findall(found.upper()))  # a few columns, each written on every row
    longest = max(map(len, letters), default=0)
    column = _column_number(max(x for x in letters if len(x) == longest)) if letters else 0
    return _count_cells(data), rows, column


def _count_cells(data: bytes) -> int:
    """The cell tags (``_CELL_TAG``): where no tag can have a prefix, by a pattern that starts with a literal."""
    return len((_CELL_TAG if b":c" in data else _PLAIN_CELL_TAG).findall(data))


def _count_elements(parser: expat.XMLParserType, name: str) -> list[int]:
    """Have ``parser`` count cells and track the farthest position as it parses (filled in as it goes)."""
    counted = [0, 0, 0]  # cells, farthest row, farthest column

    def start(tag: str, attributes: dict[str, str]) -> None:
        local = tag.rpartition(":")[2]
        if local == "c":
            counted[0] += 1
            reference = attributes.get("r")
            if reference is not None:
                found = _REFERENCE.fullmatch(reference.strip())
                if found is None:
                    raise WorkbookRejected(FILE_CORRUPT, detail=f"文件内容已损坏（部件 {name} 中有无效的单元格位置）")
                letters, digits = found.groups()
                column = _column_number(letters.upper().encode()) if len(letters) <= 4 else MAX_COLUMNS * 1000
                _extend(counted, int(digits) if len(digits) <= 12 else 10**12, column)
        elif local == "row" and (row := attributes.get("r", "").strip()):
            _extend(counted, int(row) if row.isdigit() and len(row) <= 12 else 10**12, 0)

    parser.StartElementHandler = start
    return counted


def _extend(counted: list[int], row: int, column: int) -> None:
    counted[1] = max(counted[1], row)
    counted[2] = max(counted[2], column)


MAX_OWN_BYTES = 200 * 1024 * 1024  # the office's own ledger: a province's year of history fits
LOCK_FILES = ("~${name}", ".~lock.{name}#")  # Excel and WPS; LibreOffice


def open_elsewhere(path: Path) -> str:
    """The lock file Excel, WPS or LibreOffice keeps beside ``path`` while it is open there, or ``""``."""
    for pattern in LOCK_FILES:
        lock = path.with_name(pattern.format(name=path.name))
        if lock.exists():
            return lock.name
    return ""


def read_own_workbook(path: Path, names: tuple[str, ...]) -> RawWorkbook:
    """A workbook this program wrote and the office kept working in (the ledger): the named sheets' values (those
    present), when it was last saved and by whom. Checked like a returned form (zip bounds, no DTD), without a
    form's cell limits. Raises ``WorkbookRejected``."""
    data = _read_bounded(path, MAX_OWN_BYTES)
    if not data.startswith(ZIP_MAGIC):
        raise WorkbookRejected(FILE_NOT_WORKBOOK, message=_not_a_workbook(path, data))
    archive, members = _open_zip(data)
    _check_members(members, limit=MAX_OWN_BYTES * 10)
    for member in members:
        if member.filename.endswith((".xml", ".rels")):
            scan_xml(member.filename, _member(archive, member.filename, limit=MAX_OWN_BYTES * 10))
    present = {m.filename for m in members}
    workbook = RawWorkbook(
        path,
        "xlsx",
        hashlib.sha256(data).hexdigest(),
        saved_at=_saved_at(archive, present),
        author=_core_text(archive, present, "lastModifiedBy"),
    )
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for meta in book.sheets_metadata:
            if meta.name in names:
                rows = cast("list[list[object]]", book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False))
                workbook.sheets.append(RawSheet(meta.name, str(meta.visible).endswith("Visible"), rows))
    except Exception as exc:  # calamine raises its own error types for every malformed part
        raise WorkbookRejected(FILE_CORRUPT, detail=f"文件内容已损坏，无法读取（{type(exc).__name__}）") from exc
    return workbook


def _core_text(archive: zipfile.ZipFile, names: set[str], tag: str) -> str:
    """A text property of docProps/core.xml (``lastModifiedBy``, ``creator``), or ``""``."""
    if "docProps/core.xml" not in names:
        return ""
    try:
        root = SafeET.fromstring(_member(archive, "docProps/core.xml"))
    except (SafeET.ParseError, DefusedXmlException, ValueError):
        return ""
    for element in root:
        if element.tag.endswith("}" + tag) and element.text:
            return element.text.strip()
    return ""


def _saved_at(archive: zipfile.ZipFile, names: set[str]) -> str:
    """When the workbook was last saved (docProps/core.xml ``dcterms:modified``), as local ISO time."""
    text = _core_text(archive, names, "modified")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return ""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().replace(tzinfo=None).isoformat(timespec="seconds")


# -- legacy formats in a child process -----------------------------------------------------------------


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def _decode(value: object) -> object:
    if isinstance(value, dict):
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
        if "$time" in value:
            return time.fromisoformat(value["$time"])
    return value


def _limit_child() -> None:  # pragma: no cover - runs in the child
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES))
    except (ImportError, ValueError, OSError):
        pass


def _read_in_child(path: Path, kind: str, sha256: str) -> RawWorkbook:
    labels = {"xls": "Excel 97-2003（.xls）", "et": "WPS 表格（.et）", "ods": "OpenDocument 表格（.ods）"}
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "reporter.io.workbooks", str(path)],
            capture_output=True,
            env=child_environment(),
            timeout=CHILD_TIMEOUT_SECONDS,
            preexec_fn=_limit_child if sys.platform != "win32" else None,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise WorkbookRejected(FILE_TIMEOUT, label=labels[kind]) from exc
    if completed.returncode != 0:
        detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        if detail and detail[-1].startswith("PASSWORD"):
            raise WorkbookRejected(FILE_ENCRYPTED, message="文件设置了打开密码，无法读取。请取消密码后重新保存报送")
        raise WorkbookRejected(FILE_LEGACY_UNREADABLE, label=labels[kind])
    payload = json.loads(completed.stdout)
    workbook = RawWorkbook(path, kind, sha256)
    for sheet in payload["sheets"]:
        rows = [[_decode(v) for v in row] for row in sheet["rows"]]
        workbook.sheets.append(RawSheet(sheet["name"], sheet["visible"], rows))
    if kind != "ods":
        workbook.saved_at = datetime.fromtimestamp(path.stat().st_mtime).isoformat(timespec="seconds")
    return workbook


def _child_main(argv: list[str]) -> int:  # pragma: no cover - runs in the child
    from python_calamine import PasswordError

    try:
        book = CalamineWorkbook.from_path(argv[0])
        sheets = []
        for meta in book.sheets_metadata:
            sheet = book.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False)
            if len(rows) > MAX_ROWS or any(len(r) > MAX_COLUMNS for r in rows[:1]):
                print("TOO-LARGE", file=sys.stderr)
                return 3
            sheets.append(
                {
                    "name": meta.name,
                    "visible": str(meta.visible).endswith("Visible"),
                    "rows": [[_encode(v) for v in row] for row in rows],
                }
            )
    except PasswordError:
        print("PASSWORD", file=sys.stderr)
        return 2
    except Exception as exc:
        print(f"ERROR {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps({"sheets": sheets}, ensure_ascii=False))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(_child_main(sys.argv[1:]))
