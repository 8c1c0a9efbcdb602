"""Import of organisation data from an Excel workbook, row by row, with a report of the rows refused.

Sheets (first row the headers, any order of columns; missing sheets are skipped):
- 楼组 / buildings: building_code, leader_name, leader_phone, leader_email
- 企业 / enterprises: office_building, name, industry, size (micro/small/medium/large), employees
- 党员 / members: organisation, name, phone
"""

import re
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from cityloop.core.errors import InvalidInput
from cityloop.network.models import (
    BuildingGroup,
    Enterprise,
    EnterpriseSize,
    OfficeBuilding,
    PartyMember,
    PartyOrganisation,
)
from cityloop.organisation.models import Area, Unit
from cityloop.security.access import grants_for
from cityloop.security.audit import audit_record
from cityloop.security.grants import NETWORK_EDIT

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
SHEETS = {"buildings": ("楼组", "buildings"), "enterprises": ("企业", "enterprises"), "members": ("党员", "members")}
MAX_ROWS = 20000


@dataclass
class Rejected:
    sheet: str
    row: int
    reason: str


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=lambda: {"buildings": 0, "enterprises": 0, "members": 0})
    updated: dict[str, int] = field(default_factory=lambda: {"buildings": 0, "enterprises": 0, "members": 0})
    rejected: list[Rejected] = field(default_factory=list)


def _rows(sheet: Any) -> list[tuple[int, dict[str, str]]]:
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return []
    names = [str(h or "").strip().lower() for h in header]
    out = []
    for number, values in enumerate(rows, start=2):
        if number > MAX_ROWS:
            break
        if values is None or all(v in (None, "") for v in values):
            continue
        out.append((number, {name: "" if v is None else str(v).strip() for name, v in zip(names, values,
                                                                                          strict=False)}))
    return out


def _in_scope(paths: tuple[str, ...], path: str) -> bool:
    return any(path.startswith(p) for p in paths)


def import_workbook(*, actor: Any, file: IO[bytes]) -> ImportReport:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # any unreadable file is the same refusal
        raise InvalidInput(_("This is not an Excel workbook (.xlsx)."), details={"field": "file"}) from exc
    paths = grants_for(actor, NETWORK_EDIT).area_paths
    report = ImportReport()
    sheets = {kind: next((workbook[n] for n in names if n in workbook.sheetnames), None)
              for kind, names in SHEETS.items()}
    with transaction.atomic():
        if sheets["buildings"] is not None:
            _buildings(_rows(sheets["buildings"]), paths, report)
        if sheets["enterprises"] is not None:
            _enterprises(_rows(sheets["enterprises"]), paths, report)
        if sheets["members"] is not None:
            _members(_rows(sheets["members"]), paths, report)
        audit_record(actor=actor, action="network.import", object_type="network", data={
            "created": report.created, "updated": report.updated, "rejected": len(report.rejected)})
    workbook.close()
    return report


def _buildings(rows: list[tuple[int, dict[str, str]]], paths: tuple[str, ...], report: ImportReport) -> None:
    for number, row in rows:
        code, name, phone = row.get("building_code", ""), row.get("leader_name", ""), row.get("leader_phone", "")
        area = Area.objects.filter(code=code).first() if code else None
        reason = (_("building_code is missing") if not code
                  else _("no area has this code") if area is None
                  else _("the area is not a building") if area.kind != "building"
                  else _("outside your scope") if not _in_scope(paths, area.path)
                  else _("leader_name is missing") if not name
                  else _("leader_phone is not a phone number") if phone and not PHONE.match(phone)
                  else "")
        if reason or area is None:
            report.rejected.append(Rejected("buildings", number, reason))
            continue
        community = Unit.objects.filter(kind="community", area_id__in=[int(p) for p in area.path.split("/") if p]
                                        ).first()
        _group, created = BuildingGroup.objects.update_or_create(building=area, defaults={
            "leader_name": name, "leader_phone": phone, "leader_email": row.get("leader_email", ""),
            "community": community})
        report.created["buildings"] += int(created)
        report.updated["buildings"] += int(not created)


def _enterprises(rows: list[tuple[int, dict[str, str]]], paths: tuple[str, ...], report: ImportReport) -> None:
    sizes = {s.value for s in EnterpriseSize}
    for number, row in rows:
        building = OfficeBuilding.objects.filter(name=row.get("office_building", "")).first()
        name, size, employees = row.get("name", ""), row.get("size", "") or "small", row.get("employees", "") or "0"
        reason = (_("no office building has this name") if building is None
                  else _("outside your scope") if not _in_scope(paths, building.area_path)
                  else _("name is missing") if not name
                  else _("size must be one of micro, small, medium, large") if size not in sizes
                  else _("employees must be a whole number") if not employees.isdigit()
                  else "")
        if reason or building is None:
            report.rejected.append(Rejected("enterprises", number, reason))
            continue
        _enterprise, created = Enterprise.objects.update_or_create(building=building, name=name, defaults={
            "industry": row.get("industry", ""), "size": size, "employees": int(employees)})
        report.created["enterprises"] += int(created)
        report.updated["enterprises"] += int(not created)


def _members(rows: list[tuple[int, dict[str, str]]], paths: tuple[str, ...], report: ImportReport) -> None:
    for number, row in rows:
        organisation = PartyOrganisation.objects.filter(name=row.get("organisation", "")).first()
        name, phone = row.get("name", ""), row.get("phone", "")
        reason = (_("no party organisation has this name") if organisation is None
                  else _("outside your scope") if not _in_scope(paths, organisation.area_path)
                  else _("name is missing") if not name
                  else _("phone is not a phone number") if phone and not PHONE.match(phone)
                  else "")
        if reason or organisation is None:
            report.rejected.append(Rejected("members", number, reason))
            continue
        _member, created = PartyMember.objects.get_or_create(organisation=organisation, name=name, phone=phone)
        report.created["members"] += int(created)
        report.updated["members"] += int(not created)
