"""Reading and writing the tables people exchange: CSV and Excel (.xlsx).

Reading refuses, before any row is used: a file over MAX_FILE_BYTES (checked with stat, before reading), a
CSV that is not UTF-8 (with or without BOM) — GBK/GB18030, Excel's default on Chinese Windows, is recognised
and named in the message, and read only when the caller asks for it explicitly (`encoding="gb18030"`), since
guessing an encoding silently can turn text into plausible nonsense — and a file that is not a readable
workbook. The whole CSV is decoded once before parsing, so an encoding error never surfaces halfway through.
"""

import codecs
import csv
import datetime as dt
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from cityloop.core.errors import ApplicationError

MAX_FILE_BYTES = 1024**3
_CHUNK = 1 << 20


class TableError(ApplicationError):
    """A file that cannot be read at all; the message is translated where it is raised."""

    def __init__(self, message: str, **params: Any):
        super().__init__(message % params if params else message, code="unreadable_file")


@dataclass
class Table:
    header: list[str]
    rows: Iterator[list[Any]]  # cells as str (CSV) or str/int/float/datetime/None (Excel)
    kind: str


def _check_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TableError(_("Cannot open %(path)s: %(reason)s"), path=str(path), reason=exc.strerror or exc) from exc
    if not path.is_file():
        raise TableError(_("%(path)s is not a file."), path=str(path))
    if size > MAX_FILE_BYTES:
        raise TableError(_("%(path)s is %(size)s MB; files over %(max)s MB are not imported. Split it first."),
                         path=str(path), size=f"{size / 2**20:,.0f}", max=f"{MAX_FILE_BYTES / 2**20:,.0f}")
    if size == 0:
        raise TableError(_("%(path)s is empty."), path=str(path))


def _check_utf8(path: Path, encoding: str) -> str:
    """Decode the whole file once; returns the codec to read it with."""
    with path.open("rb") as stream:
        head = stream.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise TableError(_("%(path)s is UTF-16 text; save it as “CSV UTF-8”."), path=str(path))
    codec = encoding or ("utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8")
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    offset = 0
    with path.open("rb") as stream:
        try:
            while chunk := stream.read(_CHUNK):
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            if encoding:
                raise TableError(_("%(path)s cannot be read as %(encoding)s (byte %(offset)d)."), path=str(path),
                                 encoding=encoding, offset=offset + exc.start) from exc
            if _looks_gb18030(path):
                raise TableError(_("%(path)s is not UTF-8: it looks like GBK/GB18030 (Excel's “CSV” on Chinese "
                                 "Windows). Save it as “CSV UTF-8”, or import it with --encoding gb18030."),
                                 path=str(path)) from exc
            raise TableError(_("%(path)s is not UTF-8 text (byte %(offset)d); save it as “CSV UTF-8”."),
                             path=str(path), offset=offset + exc.start) from exc
    return codec


def _looks_gb18030(path: Path) -> bool:
    with path.open("rb") as stream:
        sample = stream.read(_CHUNK)
    try:
        text = sample.decode("gb18030")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not merely a character cut at the end of the sample
            return False
        text = sample[:exc.start].decode("gb18030", errors="replace")
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _csv_rows(path: Path, codec: str) -> Iterator[list[str]]:
    with path.open(encoding=codec, newline="") as stream:
        reader = csv.reader(stream)
        try:
            yield from reader
        except csv.Error as exc:
            raise TableError(_("%(path)s, row %(row)d: %(reason)s"), path=str(path), row=reader.line_num,
                             reason=str(exc)) from exc


def _cell(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _xlsx_rows(path: Path) -> tuple[Iterator[list[Any]], Any]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    with path.open("rb") as stream:
        magic = stream.read(4)
    if magic == b"\xd0\xcf\x11\xe0":
        raise TableError(_("%(path)s is an old Excel 97–2003 (.xls) file; save it as .xlsx."), path=str(path))
    if magic != b"PK\x03\x04":
        raise TableError(_("%(path)s is not an Excel .xlsx workbook (it may be damaged)."), path=str(path))
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, IndexError) as exc:
        raise TableError(_("%(path)s is not an Excel .xlsx workbook (it may be damaged)."), path=str(path)) from exc

    def generate() -> Iterator[list[Any]]:
        try:
            for row in rows:
                yield [_cell(v) for v in row]
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise TableError(_("%(path)s is not an Excel .xlsx workbook (it may be damaged)."),
                             path=str(path)) from exc
        finally:
            workbook.close()

    return generate(), workbook


def read_table(path: str | os.PathLike[str], *, encoding: str = "") -> Table:
    """The header and a row iterator. File-level problems raise TableError before any row is returned."""
    path = Path(path)
    _check_size(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows, _workbook = _xlsx_rows(path)
        kind = "xlsx"
    elif suffix in (".csv", ".txt"):
        rows = _csv_rows(path, _check_utf8(path, encoding))
        kind = "csv"
    elif suffix == ".xls":
        raise TableError(_("%(path)s is an old Excel 97–2003 (.xls) file; save it as .xlsx."), path=str(path))
    else:
        raise TableError(_("%(path)s: only .csv and .xlsx files can be imported."), path=str(path))
    header = next(rows, None)
    if header is None or not any(h not in (None, "") for h in header):
        raise TableError(_("%(path)s has no header row."), path=str(path))
    return Table(header=["" if h is None else str(h) for h in header], rows=rows, kind=kind)


def safe_cell(value: Any) -> Any:
    """Exported text must not start a spreadsheet formula (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def excel_value(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones: local time, stated in the header
    return safe_cell(value)
