"""The only modules that touch openpyxl, python-docx, python-calamine, pdfplumber and LibreOffice."""
