"""Text from users goes into Excel as text, never as a formula (formula injection, CWE-1236).

openpyxl stores any string that starts with "=" as a formula; Excel and LibreOffice also evaluate
cells whose text starts with "+", "-" or "@" once a user edits them. Every workbook the portal writes
(report forms, import templates, exports) puts its cells through `put`/`append_row` or `text_safe`,
which keep such a string a string and mark it with Excel's quote prefix (the cell shows the text as typed,
and stays text when edited). The portal writes no formula of its own: totals are stored as values.
"""

from openpyxl.cell.cell import Cell

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def risky(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def text_safe(cell: Cell) -> Cell:
    """Make `cell` a plain text cell if its value could be read as a formula."""
    if risky(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def put(ws, row: int, column: int, value) -> Cell:
    """`ws.cell(row, column, value)`, text-safe."""
    return text_safe(ws.cell(row=row, column=column, value=value))


def append_row(ws, values) -> None:
    """`ws.append(values)`, text-safe (a normal worksheet or a write-only one)."""
    values = list(values)
    if not any(risky(value) for value in values):
        ws.append(values)
        return
    if getattr(ws, "_cells", None) is None or type(ws).__name__ == "WriteOnlyWorksheet":
        from openpyxl.cell import WriteOnlyCell

        ws.append([text_safe(WriteOnlyCell(ws, value=value)) if risky(value) else value for value in values])
        return
    ws.append(values)
    for cell in ws[ws.max_row]:
        text_safe(cell)
