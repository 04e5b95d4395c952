"""The units' address book (通讯录): unit, contact person, e-mail addresses, phone, cc. Kept by the office in Excel."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from reporter.errors import WorkspaceError
from reporter.forms.values import clean_text
from reporter.io.workbooks import WorkbookRejected, column_letter, read_workbook
from reporter.io.xlsx import Column, Sheet, write_workbook
from reporter.problems import (
    CONTACTS_BAD_ADDRESS,
    CONTACTS_EMPTY,
    CONTACTS_MISSING,
    CONTACTS_NO_HEADER,
    CONTACTS_UNREADABLE,
    Location,
    Problem,
)

SHEET = "通讯录"
HEADERS = ("单位", "联系人", "电子邮箱", "联系电话", "抄送", "备注")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")
_SEPARATORS = re.compile(r"[;；,，、\s]+")


@dataclass
class Contact:
    unit: str
    person: str = ""
    emails: list[str] = field(default_factory=list)
    phone: str = ""
    cc: list[str] = field(default_factory=list)


def bad_addresses(text: str) -> list[str]:
    """The addresses in ``text`` that are not e-mail addresses."""
    return [address for address in split_addresses(text) if not _EMAIL.match(address)]


def split_addresses(text: str) -> list[str]:
    """``a@x.cn; b@x.cn，c@x.cn`` → three addresses (any Chinese or ASCII separator)."""
    return [part for part in _SEPARATORS.split(text.strip()) if part]


def read_contacts(path: Path) -> tuple[dict[str, Contact], list[Problem]]:
    """Contacts by unit; a bad address is a problem naming the sheet, row and column (the row is still used)."""
    problems: list[Problem] = []
    if not path.exists():
        return {}, [CONTACTS_MISSING.at(Location(), file=path.name)]
    try:
        workbook = read_workbook(path)
    except WorkbookRejected as exc:
        return {}, [CONTACTS_UNREADABLE.at(Location(file=path.name), message=exc.message)]
    sheet = workbook.sheet(SHEET) or next((s for s in workbook.sheets if s.visible), None)
    if sheet is None or not sheet.rows:
        return {}, [CONTACTS_EMPTY.at(Location(file=path.name))]
    header_index, columns = 0, {}
    for index, row in enumerate(sheet.rows[:10]):
        names = {clean_text(v).split("（")[0]: c for c, v in enumerate(row)}
        if "单位" in names and "电子邮箱" in names:
            header_index, columns = index, names
            break
    if not columns:
        return {}, [CONTACTS_NO_HEADER.at(Location(file=path.name, sheet=sheet.name))]
    contacts: dict[str, Contact] = {}
    for index in range(header_index + 1, len(sheet.rows)):
        row = sheet.rows[index]

        def cell(name: str, row: list[object] = row) -> str:
            column = columns.get(name)
            return clean_text(row[column]) if column is not None and column < len(row) else ""

        unit = cell("单位")
        if not unit:
            continue
        contact = Contact(unit, cell("联系人"), phone=cell("联系电话"))
        for field_name, target in (("电子邮箱", contact.emails), ("抄送", contact.cc)):
            for address in split_addresses(cell(field_name)):
                if _EMAIL.match(address):
                    target.append(address)
                else:
                    problems.append(
                        CONTACTS_BAD_ADDRESS.at(
                            Location(
                                file=path.name,
                                sheet=sheet.name,
                                row=index + 1,
                                column=column_letter(columns[field_name]),
                            ),
                            address=address,
                            unit=unit,
                        )
                    )
        contacts[unit] = contact
    return contacts, problems


def write_contacts_template(path: Path, units: list[str], *, font: str, title_font: str) -> tuple[int, int]:
    """Write the address book listing every unit; rows already filled in are kept. Returns (kept, added)."""
    return _write_contacts(path, units, {}, font=font, title_font=title_font)


def update_contacts(path: Path, changes: dict[str, dict[str, str]], *, font: str, title_font: str) -> None:
    """Write what the office changed in the ledger's 责任单位 sheet (联系人, 电子邮箱, 联系电话 by unit) into the
    address book, keeping every other row and cell as it is (the previous file goes to 备份/)."""
    _write_contacts(path, list(changes), changes, font=font, title_font=title_font)


def _write_contacts(
    path: Path, units: list[str], changes: dict[str, dict[str, str]], *, font: str, title_font: str
) -> tuple[int, int]:
    existing: list[list[object]] = []
    if path.exists():
        try:
            workbook = read_workbook(path)
        except WorkbookRejected as exc:
            raise WorkspaceError(f"无法读取通讯录 {path.name}：{exc.message}") from exc
        sheet = workbook.sheet(SHEET) or (workbook.sheets[0] if workbook.sheets else None)
        below = sheet.rows[2:] if sheet else []  # below the title and header rows
        existing = [list(r) + [None] * (len(HEADERS) - len(r)) for r in below if r and r[0] not in (None, "")]
    known = {clean_text(r[0]) for r in existing}
    added: list[list[object]] = [[unit, "", "", "", "", ""] for unit in units if unit not in known]
    rows: list[list[object]] = [[clean_text(v) for v in r[: len(HEADERS)]] for r in existing]
    rows += added
    for row in rows:
        for header, value in changes.get(str(row[0]), {}).items():
            row[HEADERS.index(header)] = value
    write_workbook(
        path,
        [
            Sheet(
                SHEET,
                "责任单位通讯录（电子邮箱可填多个，用分号隔开；抄送填需同时抄送的地址）",
                [
                    Column("单位", 16, 30),
                    Column("联系人", 8, 12),
                    Column("电子邮箱", 24, 50),
                    Column("联系电话", 12, 16, wrap=False),
                    Column("抄送", 16, 40),
                    Column("备注", 10, 30),
                ],
                rows,
            )
        ],
        font=font,
        title_font=title_font,
        backup_dir=path.parent / "备份",
    )
    return len(existing), len(added)
