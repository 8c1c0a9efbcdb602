"""Reading a community's resident list (居民名单) from a CSV or Excel file: its columns, its rows, and why a row
is refused.

The file itself is read by the platform's table reader (`cityloop.intelligence.classification.data.read_table`:
.csv or .xlsx, size limit, binary and undecodable files refused with a clear message). A CSV in GBK/GB18030 is
refused here too although that reader decodes it: names and contacts are matched exactly, and a guessed
encoding can turn a file in yet another encoding into plausible wrong names, so the list is taken only as
UTF-8 CSV or .xlsx, as the Open311 import takes tables.
"""

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityloop.core.errors import InvalidInput
from cityloop.portal.contacts import is_mobile, normalize_email, normalize_phone
from cityloop.security.masking import mask_name

# A community of 20,000 residents makes a file of about 2 MB.
MAX_FILE_BYTES = 10 * 1024 * 1024
NAME_MAX, PLACE_MAX, EMAIL_MAX = 100, 50, 254

# Accepted headings of each column (compared without case and surrounding spaces).
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "姓名", "名字"),
    "phone": ("phone", "mobile", "手机", "手机号", "手机号码", "电话", "联系电话"),
    "email": ("email", "e-mail", "邮箱", "电子邮箱", "电子邮件"),
    "building": ("building", "楼栋", "楼号", "楼栋号"),
    "unit": ("unit", "room", "房号", "户号", "门牌号"),
}

# Why a row was refused; kept as codes with the import and put into words when the report is read.
REJECT_REASONS = {
    "no_name": gettext_lazy("no name"),
    "name_too_long": gettext_lazy("the name is longer than 100 characters"),
    "no_contact": gettext_lazy("neither a mobile phone nor an e-mail address, so the resident could not verify"),
    "bad_phone": gettext_lazy("the phone is not a mobile number (codes are sent to mobile phones only)"),
    "bad_email": gettext_lazy("the e-mail address is not valid"),
    "place_too_long": gettext_lazy("the building or unit is longer than 50 characters"),
    "duplicate": gettext_lazy("the same resident as row %(of)d"),
}


@dataclass
class ResidentRow:
    row: int
    name: str
    phone: str = ""
    email: str = ""
    building: str = ""
    unit: str = ""


@dataclass
class ResidentFile:
    rows: list[ResidentRow]
    # {"row": n, "name": masked name, "code": a key of REJECT_REASONS, and that reason's parameters}
    rejected: list[dict[str, Any]] = field(default_factory=list)


def rejection_text(item: dict[str, Any]) -> str:
    return str(REJECT_REASONS[item["code"]]) % item


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, code="unreadable_file", details={"field": "file"})


def read_resident_file(upload: UploadedFile) -> ResidentFile:
    """The rows of an uploaded list, checked one by one. Raises InvalidInput (nothing read) for a file that
    cannot be read at all or lacks the name or contact columns."""
    from cityloop.intelligence.classification.data import read_table  # scikit-learn comes with the package
    from cityloop.intelligence.classification.errors import InputError

    file_name = Path(upload.name or "").name or "?"
    if (upload.size or 0) > MAX_FILE_BYTES:
        raise _refuse(_("%(name)s is larger than 10 MB; a resident list is far smaller. Check the file.")
                      % {"name": file_name})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"residents{Path(file_name).suffix.lower()}"
        with path.open("wb") as stream:
            for chunk in upload.chunks():
                stream.write(chunk)
        try:
            table = read_table(path)
        except InputError as exc:  # its messages are msgids of the catalogue; name the file as the person knows it
            raise _refuse(_(exc.template) % {**exc.params, "path": file_name}) from None
    if table.encoding == "gb18030":
        raise _refuse(_("%(name)s is not UTF-8 but GBK/GB18030 (the “CSV” Excel saves on Chinese Windows). Save "
                        "it as “CSV UTF-8”, or upload the Excel workbook (.xlsx) itself.") % {"name": file_name})
    headings = [h.strip().lower() for h in table.columns]
    at = {key: next((i for i, h in enumerate(headings) if h in names), None) for key, names in COLUMNS.items()}
    if at["name"] is None or (at["phone"] is None and at["email"] is None):
        raise _refuse(_("%(name)s needs a column 姓名 (name) and a column 手机 (phone) or 邮箱 (e-mail); its "
                        "columns are: %(columns)s.") % {"name": file_name, "columns": ", ".join(table.columns)})
    result = ResidentFile(rows=[])
    seen: dict[tuple[str, str, str], int] = {}
    for offset, cells in enumerate(table.rows):
        values = {key: (cells[i].strip() if i is not None and i < len(cells) else "") for key, i in at.items()}
        if not any(values.values()):
            continue
        row = offset + 2  # the heading is row 1
        problem = _row_problem(values)
        if problem is None:
            identity = (values["name"], values["phone"], values["email"])
            if identity in seen:
                problem = {"code": "duplicate", "of": seen[identity]}
            seen.setdefault(identity, row)
        if problem is not None:
            result.rejected.append({"row": row, "name": mask_name(values["name"][:NAME_MAX]), **problem})
        else:
            result.rows.append(ResidentRow(row=row, **values))
    return result


def _row_problem(values: dict[str, str]) -> dict[str, Any] | None:
    """Check one row and put its phone and e-mail in normal form (in `values`); the refusal, or None."""
    if not values["name"]:
        return {"code": "no_name"}
    if len(values["name"]) > NAME_MAX:
        return {"code": "name_too_long"}
    if len(values["building"]) > PLACE_MAX or len(values["unit"]) > PLACE_MAX:
        return {"code": "place_too_long"}
    if not values["phone"] and not values["email"]:
        return {"code": "no_contact"}
    if values["phone"]:
        try:
            values["phone"] = normalize_phone(values["phone"])
        except ValidationError:
            return {"code": "bad_phone"}
        if not is_mobile(values["phone"]):
            return {"code": "bad_phone"}
    if values["email"]:
        try:
            values["email"] = normalize_email(values["email"])
        except ValidationError:
            return {"code": "bad_email"}
        if len(values["email"]) > EMAIL_MAX:
            return {"code": "bad_email"}
    return None
