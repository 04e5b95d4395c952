"""Edit a workbook the way an office does in LibreOffice Calc: open it, type into cells, save it as .xlsx.

Run by the system Python that has LibreOffice's ``uno`` module (python3-uno), not the project's venv:

    python3 tests/lo_edit.py BOOK.xlsx PROFILE_DIR '{"工作任务": {"G3": "王五", "L5": "2024-10-31"}}' [ACTIONS]

Numbers in the JSON are typed as numbers, strings as text (a leading ``=`` would be a formula, as in Calc).
``ACTIONS``, optional, is a JSON list of what to do after typing, in order:

    ["show", SHEET]                           unhide a sheet (Format > Sheet > Show)
    ["sort", SHEET, RANGE, COLUMN, ASCENDING] sort the rows of RANGE (no header) by its COLUMN (0-based)
    ["filter", SHEET, RANGE, COLUMN, TEXT]    filter RANGE (header in its first row): show the rows whose COLUMN is TEXT
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]
from com.sun.star.sheet import TableFilterField  # type: ignore[import-not-found]
from com.sun.star.sheet.FilterOperator import EQUAL  # type: ignore[import-not-found]
from com.sun.star.table import TableSortField  # type: ignore[import-not-found]


def _property(name: str, value: object) -> PropertyValue:
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def _act(document: object, action: list) -> None:
    kind, sheet = action[0], document.Sheets.getByName(action[1])
    if kind == "show":
        sheet.IsVisible = True
    elif kind == "sort":
        cells = sheet.getCellRangeByName(action[2])
        field = TableSortField()
        field.Field, field.IsAscending = action[3], action[4]
        descriptor = cells.createSortDescriptor()
        for prop in descriptor:
            if prop.Name == "SortFields":
                prop.Value = uno.Any("[]com.sun.star.table.TableSortField", (field,))
        cells.sort(descriptor)
    elif kind == "filter":
        cells = sheet.getCellRangeByName(action[2])
        field = TableFilterField()
        field.Field, field.Operator, field.IsNumeric, field.StringValue = action[3], EQUAL, False, action[4]
        descriptor = cells.createFilterDescriptor(True)
        descriptor.ContainsHeader = True
        descriptor.setFilterFields((field,))
        cells.filter(descriptor)
    else:
        raise SystemExit(f"unknown action {kind}")


def main(book: str, profile: str, edits_json: str, actions_json: str = "[]") -> None:
    pipe = f"reporter_test_{Path(profile).name}"
    office = subprocess.Popen(
        [
            "soffice",
            f"-env:UserInstallation={Path(profile).resolve().as_uri()}",
            "--headless",
            "--invisible",
            "--norestore",
            f"--accept=pipe,name={pipe};urp;",
        ]
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(120):
            try:
                context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:  # the office is still starting
                time.sleep(0.5)
        else:
            raise SystemExit("LibreOffice did not start")
        desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        url = Path(book).resolve().as_uri()
        document = desktop.loadComponentFromURL(url, "_blank", 0, (_property("Hidden", True),))
        for sheet_name, cells in json.loads(edits_json).items():
            sheet = document.Sheets.getByName(sheet_name)
            for address, value in cells.items():
                cell = sheet.getCellRangeByName(address)
                if isinstance(value, int | float):
                    cell.setValue(value)
                else:
                    cell.setString(value)
        for action in json.loads(actions_json):
            _act(document, action)
        document.storeToURL(url, (_property("FilterName", "Calc MS Excel 2007 XML"),))
        document.close(True)
        try:
            desktop.terminate()
        except Exception:  # the bridge closes as the office quits
            pass
    finally:
        try:
            office.wait(timeout=60)
        except subprocess.TimeoutExpired:
            office.kill()


if __name__ == "__main__":
    main(*sys.argv[1:5])
