"""Reading and writing the CSV/Excel files of the classifier commands, with strict validation.

Everything is validated before anything is written, and output files are written to a temporary file in the
target directory and renamed into place, so a failure never leaves a partial output file behind.
"""

import contextlib
import csv
import io
import os
import unicodedata
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cityloop.intelligence.classification.errors import InputError, gettext_noop
from cityloop.intelligence.classification.text import MAX_CELL_CHARS, has_control_characters, normalise

SUPPORTED_SUFFIXES = (".csv", ".xlsx")
# A legitimate table of tickets stays far below this; larger files are refused before being read into memory.
MAX_FILE_BYTES = 200 * 1024 * 1024
# utf-8-sig also reads plain UTF-8; GB18030 (a superset of GBK/GB2312) is what Excel on Chinese Windows writes.
ENCODINGS = ("utf-8-sig", "gb18030")
_MAX_LISTED_ROWS = 10


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    encoding: str = ""


@dataclass
class Examples:
    """Texts (and labels, for training) taken from a table; `row_numbers` are 1-based file lines/rows."""

    titles: list[str]
    details: list[str]
    labels: list[str] | None
    row_numbers: list[int] = field(default_factory=list)


def _suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(
            gettext_noop("Unsupported file type %(suffix)s for %(path)s: use .csv or .xlsx."),
            suffix=suffix or "(none)",
            path=str(path),
        )
    return suffix


def _decode(raw: bytes, path: Path) -> tuple[str, str]:
    if b"\x00" in raw:
        raise InputError(
            gettext_noop("%(path)s contains binary data (NUL bytes); it is not a text CSV file."), path=str(path)
        )
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != ENCODINGS[0] and _implausible(text):
            break  # GB18030 maps most byte pairs to some character; junk shows as private-use/unassigned ones
        return text, encoding
    raise InputError(
        gettext_noop("%(path)s is neither UTF-8 nor GBK/GB18030 text; save it as UTF-8 CSV and try again."),
        path=str(path),
    )


def _implausible(text: str) -> bool:
    odd = sum(1 for char in text if unicodedata.category(char) in {"Co", "Cn", "Cs"})
    return odd > 0.02 * max(len(text), 1)


def _read_csv(path: Path) -> Table:
    raw = path.read_bytes()
    text, encoding = _decode(raw, path)
    if has_control_characters(text):
        raise InputError(
            gettext_noop("%(path)s contains binary data (control characters); it is not a text CSV file."),
            path=str(path),
        )
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(
            gettext_noop("%(path)s is not a valid CSV file: %(error)s"), path=str(path), error=str(exc)
        ) from exc
    if not records:
        raise InputError(gettext_noop("%(path)s is empty."), path=str(path))
    columns = [name.strip() for name in records[0]]
    # Only truly empty lines are dropped; a line of empty fields (",,") is an empty ticket and is reported.
    return Table(columns=columns, rows=[record for record in records[1:] if record], encoding=encoding)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(
            gettext_noop("%(path)s is not a readable Excel .xlsx file: %(error)s"),
            path=str(path),
            error=str(exc) or type(exc).__name__,
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        raw_rows = [row for row in sheet.iter_rows(values_only=True) if any(v is not None for v in row)]
        values = [[_cell_text(value) for value in row] for row in raw_rows]
    finally:
        workbook.close()
    # Rows without any cell (Excel leaves them after deletions) are dropped, like empty lines in a CSV.
    if not values:
        raise InputError(gettext_noop("%(path)s is empty."), path=str(path))
    columns = [name.strip() for name in values[0]]
    while columns and not columns[-1]:
        columns.pop()
    return Table(columns=columns, rows=[row[: len(columns)] for row in values[1:]], encoding="xlsx")


def read_table(path: str | os.PathLike[str]) -> Table:
    """Read a CSV or .xlsx file into a header and rows of strings; raise InputError with a clear message."""
    file_path = Path(path)
    suffix = _suffix(file_path)
    if not file_path.is_file():
        raise InputError(gettext_noop("Input file %(path)s does not exist."), path=str(file_path))
    if file_path.stat().st_size > MAX_FILE_BYTES:
        raise InputError(
            gettext_noop("%(path)s is larger than %(limit)d MB."),
            path=str(file_path),
            limit=MAX_FILE_BYTES // (1024 * 1024),
        )
    table = _read_csv(file_path) if suffix == ".csv" else _read_xlsx(file_path)
    if len(set(table.columns)) != len(table.columns):
        raise InputError(gettext_noop("%(path)s has duplicate column names."), path=str(file_path))
    return table


def _column_index(table: Table, column: str, path: str) -> int:
    try:
        return table.columns.index(column)
    except ValueError:
        raise InputError(
            gettext_noop("Column %(column)s not found in %(path)s; the columns are: %(available)s."),
            column=column,
            path=path,
            available=", ".join(table.columns) or "(none)",
        ) from None


def _listed(rows: Sequence[int]) -> str:
    shown = ", ".join(str(row) for row in rows[:_MAX_LISTED_ROWS])
    return shown + (" …" if len(rows) > _MAX_LISTED_ROWS else "")


def extract_examples(
    table: Table,
    *,
    path: str,
    title_col: str = "title",
    detail_col: str | None = "detail",
    label_col: str | None = None,
    detail_optional: bool = True,
) -> Examples:
    """Pick and validate the text (and label) columns.

    A missing detail column is fine when `detail_optional` (the default name "detail" is only used if present);
    rows with no text, overlong cells and (for training) empty labels are errors listing the row numbers.
    """
    title_index = _column_index(table, title_col, path)
    detail_index: int | None = None
    if detail_col and (detail_col in table.columns or not detail_optional):
        detail_index = _column_index(table, detail_col, path)
    label_index = _column_index(table, label_col, path) if label_col else None
    if not table.rows:
        raise InputError(gettext_noop("%(path)s has a header but no data rows."), path=path)

    titles: list[str] = []
    details: list[str] = []
    labels: list[str] = []
    row_numbers: list[int] = []
    empty_rows: list[int] = []
    empty_labels: list[int] = []
    for offset, row in enumerate(table.rows):
        row_number = offset + 2  # 1-based, after the header row, as a spreadsheet shows it
        cells = [row[i] if i < len(row) else "" for i in range(len(table.columns))]
        title = cells[title_index]
        detail = cells[detail_index] if detail_index is not None else ""
        for value in (title, detail):
            if len(value) > MAX_CELL_CHARS:
                raise InputError(
                    gettext_noop("Row %(row)d: the text is %(length)d characters long; the limit is %(limit)d."),
                    row=row_number,
                    length=len(value),
                    limit=MAX_CELL_CHARS,
                )
            if has_control_characters(value):
                raise InputError(gettext_noop("Row %(row)d contains binary data (control characters)."), row=row_number)
        if not normalise(title) and not normalise(detail):
            empty_rows.append(row_number)
        if label_index is not None:
            label = normalise(cells[label_index])
            if not label:
                empty_labels.append(row_number)
            labels.append(label)
        titles.append(title)
        details.append(detail)
        row_numbers.append(row_number)
    if empty_rows:
        raise InputError(
            gettext_noop("Rows without any text (title and detail empty): %(rows)s."), rows=_listed(empty_rows)
        )
    if empty_labels:
        raise InputError(
            gettext_noop("Rows without a label in column %(column)s: %(rows)s."),
            column=label_col,
            rows=_listed(empty_labels),
        )
    if not titles:
        raise InputError(gettext_noop("%(path)s has a header but no data rows."), path=path)
    return Examples(
        titles=titles, details=details, labels=labels if label_index is not None else None, row_numbers=row_numbers
    )


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """Validate an output path before any work is done, so a bad path fails fast and writes nothing."""
    out = Path(path)
    _suffix(out)
    if not out.parent.is_dir():
        raise InputError(gettext_noop("The output directory %(path)s does not exist."), path=str(out.parent))
    if out.is_dir():
        raise InputError(gettext_noop("The output path %(path)s is a directory."), path=str(out))
    return out


def write_table(path: str | os.PathLike[str], columns: list[str], rows: list[list[str]]) -> None:
    """Write atomically: a temporary file in the same directory, renamed over `path` once complete."""
    out = check_output_path(path)
    suffix = _suffix(out)
    tmp = out.parent / f".{out.name}.{uuid.uuid4().hex}.tmp"
    # os.open with mode 0o666 (not mkstemp's 0600) so the result gets the usual umask permissions.
    handle = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        if suffix == ".csv":
            # utf-8-sig so that Excel opens the Chinese text correctly by double-click.
            with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as stream:
                writer = csv.writer(stream)
                writer.writerow(columns)
                writer.writerows(rows)
        else:
            os.close(handle)
            _write_xlsx(tmp, columns, rows)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _write_xlsx(path: Path, columns: list[str], rows: list[list[str]]) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()

    def cell(value: str) -> WriteOnlyCell:
        item = WriteOnlyCell(sheet, value=value)
        # A citizen's text starting with "=" must stay text, never become a formula that Excel evaluates.
        item.data_type = "s"
        return item

    sheet.append([cell(name) for name in columns])
    for row in rows:
        sheet.append([cell(value) for value in row])
    workbook.save(path)
