"""The only modules that touch xlsxwriter (writing workbooks), openpyxl, python-docx, docxtpl, python-calamine, pdfplumber and LibreOffice."""

from __future__ import annotations
