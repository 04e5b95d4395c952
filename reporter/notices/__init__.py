"""Notices: reading notice files (txt, docx, html, pdf, xlsx/csv) into lines and parsing them into tasks,
units, leaders, targets and district breakdowns."""

from __future__ import annotations
