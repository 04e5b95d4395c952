"""The only modules that touch openpyxl, python-docx, docxtpl, python-calamine, pdfplumber and LibreOffice."""

from __future__ import annotations
