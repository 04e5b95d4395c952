"""One report file to write, as the worker processes receive it: a Word brief from its template and context, or a
workbook from its sheets. This module is what the workers import (and the fork server loads before it forks them):
python-docx, docxtpl and xlsxwriter, not pandas; the data are put together in the command's own process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reporter.io.xlsx import Sheet, write_workbook
from reporter.reports.templates import render


@dataclass
class ReportJob:
    """One file to write: a brief from its template and context, or a workbook from its sheets (picklable, for
    the worker processes)."""

    kind: str
    target: Path
    template: Path | None = None
    context: dict[str, Any] | None = None
    sheets: list[Sheet] | None = None
    font: str = ""
    title_font: str = ""


def write_job(job: ReportJob) -> ReportJob:
    """Write one report file (in a worker process); returns the job without its data."""
    if job.template is not None and job.context is not None:
        render(job.template, job.context, job.target, job.kind)
    elif job.sheets is not None:
        write_workbook(job.target, job.sheets, font=job.font, title_font=job.title_font)
    return ReportJob(job.kind, job.target)
