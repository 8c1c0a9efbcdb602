"""Bulk import of historical tickets from CSV and Excel, through a column mapping saved per source.

A mapping (JSON; stored in `ImportMapping`; ready-made ones for nyc311, la311 and tipdm in `mappings/`):

    {"name": "nyc311", "source": "nyc311", "description": "…",
     "columns": {"Unique Key": "external_id", "Created Date": "created_at",
                 "Complaint Type": ["title", "category"], "Descriptor": ["title", "description"], …},
     "optional": ["Descriptor", …],             # columns that may be missing from a file
     "value_maps": {"ticket_type": {…}, "urgency": {…}, "category": {"Noise": "0203"}, "status": {…}},
     "defaults": {"ticket_type": "complaint"},
     "date_formats": ["%m/%d/%Y %I:%M:%S %p"], "timezone": "America/New_York"}

Header names match without regard to case and surrounding spaces. Several columns feeding title, description
or address are joined (" - ", blank line, space); other fields take the first non-empty one. Ticket fields:
external_id (required), created_at, title, description, ticket_type, urgency, category (a code or a name,
after the value map), citizen_name, citizen_phone, citizen_email, address, latitude, longitude. Source facts
that are not ticket fields — status, closed_at, reply, agency and any "extra:<name>" — are kept on the
`ImportedRow`. Imported tickets start as "received", as `ticket_create` makes them.

Idempotent: each row's (source, external id) goes into `ImportedRow`, unique; a row already there is skipped,
so importing the same file twice adds nothing. The row key is the mapping's source plus the file's own key
column (NYC "Unique Key", LA "SRNumber", tipdm 留言编号); `--source` separates files whose keys overlap.

Fast path. `ticket_create` costs a few queries per ticket (category check, area lookup, id, insert, event,
audit), about 100 tickets/s on SQLite; 100,000 historical rows would take tens of minutes.
So the writer validates every row first (nothing is written when the file itself is bad), then writes in
chunks of CHUNK rows, each in one transaction, with one executemany each for the tickets (their numbers made
from the ids drawn first by `Ticket.reserve_ids`, exactly as `ticket_create` makes them), the "receive"
events and the `ImportedRow`s; Django's bulk_create is avoided too (see `_Insert`). It mirrors
`ticket_create` field by field: channel "import", no actor; area, area_path and place method/confidence from
`resolve_place` (the address book, place names in the text, the map point) or the city root; created_at =
updated_at = the original receipt time; the idempotency key "import:<source>:<external id>"; one "receive"
event. `write_rows(..., fast=False)` runs the same rows through `ticket_create` under
`clock.frozen_at(created_at)`, and a test compares the two paths field by field.
"""

import datetime as dt
import functools
import json
import math
import re
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityloop.core import clock
from cityloop.open311.models import ImportedRow, ImportMapping
from cityloop.open311.tables import Table, TableError, read_table
from cityloop.organisation.models import Area
from cityloop.organisation.places import Place, resolve_place
from cityloop.tickets.choices import Channel, Status, TicketType, Urgency
from cityloop.tickets.models import Category, Ticket, TicketEvent
from cityloop.tickets.services import TicketInput, ticket_create

MAPPINGS_DIR = Path(__file__).resolve().parent / "mappings"
CHUNK = 2000
TICKET_FIELDS = ("external_id", "created_at", "title", "description", "ticket_type", "urgency", "category",
                 "citizen_name", "citizen_phone", "citizen_email", "address", "latitude", "longitude")
EXTRA_FIELDS = ("status", "closed_at", "reply", "agency")
JOINED = {"title": " - ", "description": "\n\n", "address": " "}
LIMITS = {"external_id": 100, "citizen_name": 100, "citizen_phone": 32, "citizen_email": 254, "address": 300,
          "description": 5000}
TITLE_LENGTH = 200
TICKET_TYPES, URGENCIES = frozenset(TicketType.values), frozenset(Urgency.values)
Progress = Callable[[str, int, int], None]


class ImportFailure(TableError):
    """The file or the mapping is unusable as a whole: nothing is imported."""


# ---------------------------------------------------------------------------------------------- mapping
@dataclass
class Mapping:
    name: str
    source: str
    config: dict[str, Any]
    columns: dict[str, list[str]]
    optional: set[str]
    value_maps: dict[str, dict[str, str]]
    defaults: dict[str, str]
    date_formats: list[str]
    tz: dt.tzinfo

    @classmethod
    def from_config(cls, config: Any) -> "Mapping":
        if not isinstance(config, dict):
            raise ImportFailure(_("The mapping must be a JSON object."))
        name, source = str(config.get("name", "")).strip(), str(config.get("source", "")).strip()
        if not re.fullmatch(r"[-a-zA-Z0-9_]{1,50}", name) or not re.fullmatch(r"[-a-zA-Z0-9_]{1,50}", source):
            raise ImportFailure(_("The mapping needs a “name” and a “source” made of letters, digits, - and _."))
        raw_columns = config.get("columns")
        if not isinstance(raw_columns, dict) or not raw_columns:
            raise ImportFailure(_("The mapping needs “columns”: an object from source column to ticket field."))
        columns: dict[str, list[str]] = {}
        for column, fields in raw_columns.items():
            names = [fields] if isinstance(fields, str) else fields
            for name_ in names if isinstance(names, list) else [None]:
                if not isinstance(name_, str) or not (name_ in TICKET_FIELDS or name_ in EXTRA_FIELDS
                                                      or name_.startswith("extra:")):
                    raise ImportFailure(_("Column %(column)s maps to an unknown field %(field)s."),
                                        column=column, field=str(name_))
            columns[str(column)] = list(names)
        targets = [f for fields in columns.values() for f in fields]
        if targets.count("external_id") != 1:
            raise ImportFailure(_("Exactly one column must map to external_id (the row key of the source)."))
        if "title" not in targets and "description" not in targets:
            raise ImportFailure(_("At least one column must map to title or description."))
        try:
            tz = zoneinfo.ZoneInfo(str(config.get("timezone") or timezone.get_default_timezone_name()))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ImportFailure(_("Unknown time zone %(tz)s."), tz=str(config.get("timezone"))) from exc
        value_maps = config.get("value_maps") or {}
        defaults = config.get("defaults") or {}
        if not isinstance(value_maps, dict) or not isinstance(defaults, dict):
            raise ImportFailure(_("“value_maps” and “defaults” must be JSON objects."))
        for key in ("ticket_type", "urgency"):
            allowed = TicketType.values if key == "ticket_type" else Urgency.values
            bad = [v for v in [*dict(value_maps.get(key) or {}).values(), defaults.get(key)]
                   if v is not None and v not in allowed]
            if bad:
                raise ImportFailure(_("%(field)s may only be mapped to %(allowed)s, not %(value)s."), field=key,
                                    allowed=", ".join(allowed), value=str(bad[0]))
        return cls(name=name, source=source, config=config, columns=columns,
                   optional={str(c).strip().casefold() for c in config.get("optional") or []},
                   value_maps={k: {str(a): str(b) for a, b in dict(v).items()} for k, v in value_maps.items()},
                   defaults={k: str(v) for k, v in defaults.items()},
                   date_formats=[str(f) for f in config.get("date_formats") or []], tz=tz)


def shipped_mappings() -> list[str]:
    return sorted(p.stem for p in MAPPINGS_DIR.glob("*.json"))


def import_mapping_load(name_or_path: str) -> Mapping:
    """A mapping file (saved, or updated, under its name), a saved mapping, or a shipped one (then saved)."""
    path = Path(name_or_path)
    if path.suffix.lower() == ".json" and path.exists():
        return import_mapping_save(_read_json(path))
    record = ImportMapping.objects.filter(name=name_or_path).first()
    if record is not None:
        return Mapping.from_config(record.config)
    shipped = MAPPINGS_DIR / f"{name_or_path}.json"
    if re.fullmatch(r"[-\w]+", name_or_path) and shipped.exists():
        return import_mapping_save(_read_json(shipped))
    raise ImportFailure(_("No mapping %(name)s; give a saved or shipped mapping (%(names)s) or a .json file."),
                        name=name_or_path, names=", ".join(shipped_mappings()))


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFailure(_("The mapping %(path)s is not a readable JSON file: %(reason)s"), path=str(path),
                            reason=str(exc)) from exc


def import_mapping_save(config: Any) -> Mapping:
    mapping = Mapping.from_config(config)
    ImportMapping.objects.update_or_create(name=mapping.name, defaults={
        "source": mapping.source, "description": str(config.get("description", ""))[:300], "config": config})
    return mapping


# ---------------------------------------------------------------------------------------------- rows
@dataclass
class Row:
    number: int  # the spreadsheet row number: the header is row 1
    external_id: str
    created_at: dt.datetime
    data: TicketInput
    extra: dict[str, Any]


@dataclass
class Rejection:
    number: int
    external_id: str
    reason: str  # in the language active while checking


@dataclass
class Checked:
    rows: list[Row] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    total: int = 0


class _Parser:
    """Turns one source row into a Row, or a reason; caches what repeats (dates, categories)."""

    def __init__(self, mapping: Mapping, header: list[str], now: dt.datetime):
        self.mapping, self.now = mapping, now
        index = {h.strip().lstrip("\ufeff").casefold(): i for i, h in enumerate(header)}
        missing = [c for c in mapping.columns if c.strip().casefold() not in index
                   and c.strip().casefold() not in mapping.optional]
        if missing:
            raise ImportFailure(_("The header does not fit the mapping %(name)s: missing %(missing)s. "
                                "The file has: %(found)s."), name=mapping.name, missing=", ".join(missing),
                                found=", ".join(h for h in header if h) or "—")
        # field → [(column name, cell index)] in mapping order
        self.sources: dict[str, list[tuple[str, int]]] = {}
        for column, fields in mapping.columns.items():
            position = index.get(column.strip().casefold())
            if position is None:
                continue
            for name in fields:
                self.sources.setdefault(name, []).append((column, position))
        self.width = len(header)
        self.categories: dict[str, int] = {}
        # by name (the most specific level wins a clash), then by code, which wins over a name
        for pk, name in Category.objects.filter(active=True).order_by("level", "-pk").values_list("pk", "name"):
            self.categories[name] = pk
        self.categories.update(dict(Category.objects.filter(active=True).values_list("code", "pk")))
        self.date_cache: dict[Any, dt.datetime | None] = {}

    def _values(self, cells: list[Any], name: str) -> list[tuple[str, Any]]:
        out = []
        for column, position in self.sources.get(name, ()):
            value = cells[position] if position < len(cells) else None
            if isinstance(value, str):
                value = value.strip()
            if value not in (None, ""):
                out.append((column, value))
        return out

    def text(self, cells: list[Any], name: str) -> tuple[str, str]:
        values = self._values(cells, name)
        if not values:
            return "", ""
        if name in JOINED:
            parts = list(dict.fromkeys(str(v) for _, v in values))
            return values[0][0], JOINED[name].join(parts)
        return values[0][0], str(values[0][1])

    def date(self, raw: Any) -> dt.datetime | None:
        if raw in self.date_cache:
            return self.date_cache[raw]
        moment: dt.datetime | None = None
        if isinstance(raw, dt.datetime):
            moment = raw
        elif isinstance(raw, dt.date):
            moment = dt.datetime.combine(raw, dt.time())
        else:
            for pattern in self.mapping.date_formats:
                try:
                    moment = dt.datetime.strptime(str(raw), pattern)
                    break
                except ValueError:
                    continue
            else:
                try:
                    moment = dt.datetime.fromisoformat(str(raw))
                except ValueError:
                    moment = None
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.mapping.tz)
        self.date_cache[raw] = moment
        return moment

    def mapped(self, name: str, value: str) -> str:
        return self.mapping.value_maps.get(name, {}).get(value, value) if value else self.mapping.defaults.get(
            name, "")

    def parse(self, number: int, cells: list[Any]) -> Row | Rejection:  # noqa: PLR0915 - one check per field
        _column, external_id = self.text(cells, "external_id")

        def reject(message: str, **params: Any) -> Rejection:
            return Rejection(number, external_id, message % params if params else message)

        if len(cells) > self.width and any(c not in (None, "") for c in cells[self.width:]):
            return reject(_("The row has %(cells)d cells but the header %(header)d."), cells=len(cells),
                          header=self.width)
        if not external_id:
            return reject(_("The key column is empty."))
        if len(external_id) > LIMITS["external_id"]:
            return reject(_("The key is longer than %(n)d characters."), n=LIMITS["external_id"])

        created_at = self.now
        column, raw = next(iter(self._values(cells, "created_at")), ("", None))
        if raw is not None:
            parsed = self.date(raw)
            if parsed is None:
                return reject(_("%(column)s: “%(value)s” is not a date in the format %(formats)s."), column=column,
                              value=str(raw), formats=" / ".join(self.mapping.date_formats) or "ISO 8601")
            if parsed > self.now:
                return reject(_("%(column)s: %(value)s is in the future."), column=column, value=str(raw))
            created_at = parsed

        values: dict[str, Any] = {}
        for name in ("citizen_name", "citizen_phone", "citizen_email", "address", "description"):
            column, text = self.text(cells, name)
            if len(text) > LIMITS[name]:
                return reject(_("%(column)s: longer than %(n)d characters."), column=column, n=LIMITS[name])
            values[name] = text
        if values["citizen_email"]:
            try:
                validate_email(values["citizen_email"])
            except ValidationError:
                column, _text = self.text(cells, "citizen_email")
                return reject(_("%(column)s: “%(value)s” is not an e-mail address."), column=column,
                              value=values["citizen_email"])
        _column, title = self.text(cells, "title")
        if not title and not values["description"]:
            return reject(_("The title and the description are both empty."))
        if not title:
            first = values["description"].splitlines()[0]
            title = first[:60] + ("…" if len(first) > 60 else "")
        if len(title) > TITLE_LENGTH:
            title = title[:TITLE_LENGTH - 1] + "…"
        values["description"] = values["description"] or title

        point: list[float] = []
        for name, limit in (("latitude", 90), ("longitude", 180)):
            column, raw_text = self.text(cells, name)
            if not raw_text:
                continue
            try:
                coordinate = float(raw_text)
            except ValueError:
                return reject(_("%(column)s: “%(value)s” is not a number."), column=column, value=raw_text)
            if not math.isfinite(coordinate) or not -limit <= coordinate <= limit:
                return reject(_("%(column)s: %(value)s is not between -%(limit)d and %(limit)d."), column=column,
                              value=raw_text, limit=limit)
            point.append(coordinate)
        latitude, longitude = (point[0], point[1]) if len(point) == 2 and point != [0.0, 0.0] else (None, None)

        choices: dict[str, str] = {}
        for name, allowed in (("ticket_type", TICKET_TYPES), ("urgency", URGENCIES)):
            column, raw_text = self.text(cells, name)
            value = self.mapped(name, raw_text) or (TicketType.COMPLAINT if name == "ticket_type" else
                                                   Urgency.NORMAL)
            if value not in allowed:
                return reject(_("%(column)s: “%(value)s” is not a known %(field)s; add it to the mapping's "
                                "value_maps."),
                              column=column, value=raw_text, field=name)
            choices[name] = value
        _column, raw_category = self.text(cells, "category")
        category = self.mapped("category", raw_category)
        category_id = self.categories.get(category) if category else None
        if raw_category and category_id is None and self.mapping.config.get("category_required"):
            return reject(_("Unknown category “%(value)s”."), value=raw_category)

        extra: dict[str, Any] = {}
        for name in self.sources:
            if name in EXTRA_FIELDS or name.startswith("extra:"):
                column, text = self.text(cells, name)
                if not text:
                    continue
                if name == "status":
                    text = self.mapped("status", text)
                elif name == "closed_at":
                    moment = self.date(self._values(cells, name)[0][1])
                    text = moment.isoformat() if moment else text
                extra[name.removeprefix("extra:")] = text
        if raw_category and category_id is None:
            extra["category"] = raw_category

        data = TicketInput(channel=Channel.IMPORT, ticket_type=choices["ticket_type"], title=title,
                           description=values["description"], urgency=choices["urgency"], category_id=category_id,
                           citizen_name=values["citizen_name"], citizen_phone=values["citizen_phone"],
                           citizen_email=values["citizen_email"], address=values["address"],
                           latitude=latitude, longitude=longitude)
        return Row(number, external_id, created_at, data, extra)


def check_rows(mapping: Mapping, table: Table, *, progress: Progress | None = None) -> Checked:
    """Validate every row before anything is written; duplicates of a key within the file are rejected."""
    parser = _Parser(mapping, table.header, clock.now())
    checked = Checked()
    first_seen: dict[str, int] = {}
    for number, cells in enumerate(table.rows, start=2):
        if not any(c not in (None, "") for c in cells):
            continue  # blank lines (Excel leaves them at the end)
        checked.total += 1
        result = parser.parse(number, cells)
        if isinstance(result, Row):
            seen = first_seen.setdefault(result.external_id, number)
            if seen != number:
                result = Rejection(number, result.external_id,
                                   _("The key %(key)s appears again (first on row %(row)d).")
                                   % {"key": result.external_id, "row": seen})
        (checked.rows if isinstance(result, Row) else checked.rejected).append(result)  # type: ignore[arg-type]
        if progress and checked.total % 5000 == 0:
            progress("check", checked.total, 0)
    if progress:
        progress("check", checked.total, checked.total)
    return checked


# ---------------------------------------------------------------------------------------------- writing
@dataclass
class Outcome:
    imported: int = 0
    skipped: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    total: int = 0


def _place(row: Row, root: tuple[int, str]) -> dict[str, Any]:
    """The area fields as ticket_create's _resolve_area sets them: address book, place names, point, city."""
    data = row.data
    place = resolve_place(texts=[data.address, f"{data.title} {data.description}"], latitude=data.latitude,
                          longitude=data.longitude)
    if place is None:
        place = Place(root[0], root[1], "none", 0.0)
    fields = {"area_id": place.area_id, "area_path": place.path, "place_method": place.method,
              "place_confidence": place.confidence}
    cell_of = getattr(Ticket, "cell_of", None)  # the H3 cell, where the ticket model keeps one
    if cell_of is not None:
        fields["cell"] = cell_of(data.latitude, data.longitude)
    return fields


def _city_root() -> tuple[int, str]:
    root = Area.objects.filter(parent__isnull=True).order_by("pk").values_list("pk", "path").first()
    if root is None:
        raise ImportFailure(_("The organisation tree is empty: create the city first."))
    return root


def _idempotency_key(source: str, external_id: str) -> str:
    return f"import:{source}:{external_id}"


def _prepare(field: Any, value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


class _Insert:
    """One parametrised INSERT of every concrete column of a model, run with executemany.

    Django's bulk_create prepares each value of each object through the field (about 20 µs a ticket here) and
    builds model instances first; for 100,000 rows that alone is most of a minute. Here the values that are the
    same for every row (the model's defaults) are prepared once, from an instance made with no arguments, and
    per row only the given columns are converted: datetimes through the backend's adapter, JSON through the
    field, the rest (text, numbers, ids, booleans) passed as they are.
    """

    PLAIN = (models.CharField, models.TextField, models.FloatField, models.IntegerField, models.BooleanField,
             models.ForeignKey)

    def __init__(self, model: type[models.Model], given: Iterable[str], moments: dict[dt.datetime, Any]):
        given = set(given)
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.attname in given]
        template = model()
        unknown = given - {f.attname for f in self.fields}
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
        self.template = [None if f.attname in given else f.get_db_prep_save(getattr(template, f.attname), connection)
                         for f in self.fields]
        # (position, column, converter or None) of each given column
        self.plan: list[tuple[int, str, Callable[[Any], Any] | None]] = []
        for position, f in enumerate(self.fields):
            if f.attname not in given:
                continue
            convert: Callable[[Any], Any] | None = None
            if isinstance(f, models.DateTimeField):
                convert = functools.partial(_adapt_moment, moments)
            elif not isinstance(f, self.PLAIN):
                convert = functools.partial(_prepare, f)
            self.plan.append((position, f.attname, convert))
        qn = connection.ops.quote_name
        columns, marks = ", ".join(qn(f.column) for f in self.fields), ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608

    def run(self, rows: list[dict[str, Any]]) -> None:
        params = []
        for row in rows:
            values = self.template.copy()
            for position, name, convert in self.plan:
                values[position] = row[name] if convert is None else convert(row[name])
            params.append(values)
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, params)


def _adapt_moment(moments: dict[dt.datetime, Any], value: dt.datetime | None) -> Any:
    """The backend's form of a datetime, remembered: a ticket's times recur in its event and import row."""
    if value is None:
        return None
    adapted = moments.get(value)
    if adapted is None:
        adapted = moments[value] = connection.ops.adapt_datetimefield_value(value)
    return adapted


def _write_chunk_fast(source: str, rows: list[Row], root: tuple[int, str], now: dt.datetime) -> None:
    tickets = [{**row.data.__dict__, **_place(row, root), "created_at": row.created_at,
                "updated_at": row.created_at, "idempotency_key": _idempotency_key(source, row.external_id)}
               for row in rows]
    moments: dict[dt.datetime, Any] = {}
    for ticket, pk in zip(tickets, Ticket.reserve_ids(len(tickets)), strict=True):
        ticket["id"], ticket["number"] = pk, Ticket.number_for(pk, ticket["created_at"])
    _Insert(Ticket, tickets[0], moments).run(tickets)
    events = [{"ticket_id": t["id"], "action": "receive", "from_status": "", "to_status": Status.RECEIVED.value,
               "actor_id": None, "actor_unit_id": None, "at": t["created_at"], "note": ""} for t in tickets]
    _Insert(TicketEvent, events[0], moments).run(events)
    imported = [{"source": source, "external_id": row.external_id, "ticket_id": t["id"], "data": row.extra,
                 "imported_at": now} for row, t in zip(rows, tickets, strict=True)]
    _Insert(ImportedRow, imported[0], moments).run(imported)


def _write_chunk_per_ticket(source: str, rows: list[Row], now: dt.datetime) -> None:
    for row in rows:
        with clock.frozen_at(row.created_at):
            ticket, _created = ticket_create(actor=None, data=row.data, client="import",
                                             idempotency_key=f"{source}:{row.external_id}")
        ImportedRow.objects.create(source=source, external_id=row.external_id, ticket=ticket, data=row.extra,
                                   imported_at=now)


def write_rows(source: str, rows: list[Row], *, dry_run: bool = False, fast: bool = True,
               progress: Progress | None = None) -> tuple[int, int]:
    """Write the rows not imported before, CHUNK at a time, each chunk in one transaction. (imported, skipped)"""
    root = _city_root()
    imported = skipped = 0
    now = clock.now()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        for attempt in range(2):
            try:
                with transaction.atomic():
                    todo = _not_yet_imported(source, chunk)
                    if not dry_run and todo:
                        if fast:
                            _write_chunk_fast(source, todo, root, now)
                        else:
                            _write_chunk_per_ticket(source, todo, now)
                break
            except IntegrityError:
                if attempt:  # a concurrent import of the same rows won twice: report, do not loop
                    raise
        imported += len(todo)
        skipped += len(chunk) - len(todo)
        if progress:
            progress("write", start + len(chunk), len(rows))
    return imported, skipped


def _not_yet_imported(source: str, rows: list[Row]) -> list[Row]:
    ids = [r.external_id for r in rows]
    done = set(ImportedRow.objects.filter(source=source, external_id__in=ids).values_list("external_id",
                                                                                         flat=True))
    keys = [_idempotency_key(source, i) for i in ids if i not in done]
    done |= {k.removeprefix(f"import:{source}:") for k in
             Ticket.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True) if k}
    return [r for r in rows if r.external_id not in done]


def import_tickets(path: str | Path, mapping: Mapping, *, source: str = "", encoding: str = "",
                   dry_run: bool = False, fast: bool = True, progress: Progress | None = None) -> Outcome:
    """Read, check every row, then write the new ones. File-level problems raise ImportFailure first."""
    table = read_table(path, encoding=encoding)
    checked = check_rows(mapping, table, progress=progress)
    imported, skipped = write_rows(source or mapping.source, checked.rows, dry_run=dry_run, fast=fast,
                                   progress=progress)
    return Outcome(imported=imported, skipped=skipped, rejected=checked.rejected, total=checked.total)


def rejection_rows(rejected: Iterable[Rejection]) -> list[list[str]]:
    return [[str(r.number), r.external_id, r.reason] for r in rejected]
