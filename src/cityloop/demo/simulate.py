"""Two years of 12345 history for the demo city: tickets, their event logs and deadlines, in bulk.

Each ticket lives through the real transition table (tickets.workflow.TRANSITIONS): `_Life.step()` checks every
action against it and mirrors the field effects of `tickets.services.ticket_transition()` and the deadlines of
`tickets.sla`, computed on the real working calendar. Going through the service itself would take an hour for
100,000 tickets; here nothing touches the database until the rows are bulk-inserted.
"""

import bisect
import contextlib
import datetime as dt
import json
import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityloop.core import clock
from cityloop.demo import phrases as P
from cityloop.demo.city import CENTRE_UNIT, GridInfo, World, build_city, load_city, sample_points
from cityloop.organisation.choices import UnitKind
from cityloop.organisation.models import Area, Unit
from cityloop.tickets import sla
from cityloop.tickets.calendar import WorkingCalendar, working_calendar
from cityloop.tickets.choices import Channel, LimitUnit, Satisfaction, Stage, Status, TicketType, Urgency
from cityloop.tickets.defaults import calendar_seed, time_limits_seed
from cityloop.tickets.models import Category, Ticket, TicketEvent, TimeLimitPolicy
from cityloop.tickets.taxonomy import taxonomy_load_default
from cityloop.tickets.workflow import ASSIGNED, MAX_REOPENS, TRANSITIONS

STREET = "street"  # "the street office where it happened" (属地管理) rather than a department

# The demo's responsibility catalogue: the longest matching category-code prefix names the handling unit.
RESPONSIBILITY: dict[str, str] = {
    "0101": "cgj", "0102": "zjj", "010301": "swjt", "010302": "gdgs", "010303": "rqgs", "010304": "rlgs",
    "010305": "gxj", "0104": "zjj", "0105": STREET, "0106": STREET, "010603": "cgj",
    "02": "sthjj", "020101": "cgj", "020102": STREET, "020103": STREET, "020104": "jjzd", "020201": "cgj",
    "0204": "cgj", "0205": "ylj",
    "03": "jtj", "0303": "jjzd", "030401": "jjzd", "030402": "zjj",
    "04": "jyj", "0404": "wlj",
    "05": "rsj", "0504": "mzj",
    "06": "scjgj", "0604": "wlj",
    "07": "wjw", "0703": "scjgj", "070202": STREET,
    "08": "gaj", "0803": "xfzd", "080302": STREET,
    "09": "nyncj", "0902": STREET, "0903": STREET, "090303": "nyncj",
    "10": "zsj",
}

# How often each category is raised, relative to 1.0 (the rest).
VOLUME: dict[str, float] = {
    "010101": 3, "010103": 2, "010104": 3, "010201": 5, "010202": 3, "010204": 4, "010301": 4, "010302": 3,
    "010303": 1.5, "010304": 3, "010401": 3, "010402": 2, "010501": 2, "010601": 3, "010604": 2,
    "020101": 4, "020102": 5, "020103": 2, "020201": 3, "020202": 2, "020401": 4, "020402": 1.5,
    "030101": 2, "030201": 2, "030302": 4, "030303": 2, "040101": 2, "040201": 3, "040301": 1.5,
    "050101": 5, "050102": 2, "050201": 4, "050202": 4, "060101": 3, "060102": 5, "060202": 2, "060301": 2,
    "070103": 2, "080102": 2, "080201": 2, "080301": 2, "080302": 2, "090301": 2, "090302": 2, "100103": 4,
    "100201": 1.2, "100202": 0.8,
}

# Monthly factors (January first) for seasonal categories.
SEASONS: dict[str, tuple[float, ...]] = {
    "010304": (6, 5, 3, 0.6, 0.1, 0.1, 0.1, 0.1, 0.2, 0.6, 4, 6),  # heating: the heating season
    "010301": (0.8, 0.8, 0.9, 1, 1.2, 1.6, 2.2, 2.2, 1.4, 1, 0.8, 0.8),  # water in summer
    "010302": (1, 0.9, 0.8, 0.8, 1, 1.6, 2.4, 2.4, 1.4, 0.9, 0.8, 1),  # power: air conditioning
    "010104": (0.5, 0.5, 0.8, 1, 1.5, 2.6, 2.8, 1.8, 1, 0.7, 0.5, 0.5),  # drains in the rainy season
    "070202": (0.3, 0.3, 0.5, 0.9, 1.4, 2, 2.4, 2.2, 1.5, 0.8, 0.4, 0.3),  # mosquitoes and rats
    "020102": (0.8, 0.8, 0.9, 1, 1.1, 1.3, 1.4, 1.3, 1.1, 1, 0.8, 0.8),  # windows open
    "020201": (0.8, 0.8, 0.9, 1, 1.1, 1.3, 1.4, 1.3, 1.1, 1, 0.8, 0.8),
    "040101": (0.5, 0.5, 1, 1.5, 2, 3, 2.5, 2, 1, 0.5, 0.5, 0.5),  # admissions
    "040201": (0.5, 0.5, 0.8, 1.5, 2, 3, 3, 2.5, 1.2, 0.5, 0.5, 0.5),
    "050101": (3, 2.5, 1, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 1.2, 2.5),  # wages before the Spring Festival
    "060401": (0.8, 1.2, 0.8, 1, 2, 1, 1.4, 1.4, 0.8, 2.2, 0.8, 0.6),  # holidays
}
WEEKDAY = (1.12, 1.08, 1.05, 1.02, 1.0, 0.72, 0.66)  # Monday first
HOLIDAY = 0.8  # an official holiday on a weekday, relative to a Sunday
HOURS = (0.25, 0.12, 0.08, 0.06, 0.06, 0.12, 0.4, 1.2, 3.2, 5.2, 5.6, 5.0, 3.4, 3.2, 4.6, 4.9, 4.6, 3.8,
         2.8, 2.6, 2.4, 1.9, 1.2, 0.6)
CHANNELS = ((Channel.PHONE, 0.62), (Channel.WEB, 0.12), (Channel.MOBILE, 0.1), (Channel.WECHAT, 0.1),
            (Channel.GRID, 0.04), (Channel.RECEPTION, 0.01), (Channel.EMAIL, 0.01))

WORKDAY_SECONDS = 7.5 * 3600  # office hours in one working day (09:00-12:00, 13:00-17:30)
ONE_SECOND = dt.timedelta(seconds=1)
BATCH = 5000
PROGRESS_EVERY = 20_000


class _Stop(Exception):  # control flow, not an error: the ticket's life reached "now"
    pass


@dataclass(frozen=True)
class UnitProfile:
    """How a unit works: mean hours to sign and to contact, share of the time limit used, unsatisfied share."""

    sign_hours: float
    contact_hours: float
    complete_share: float
    unsatisfied: float
    forgetful: float = 0.004


# Units planted with a character, so that rankings and warnings have something to find.
PLANTED_PROFILES = {
    "zjj": UnitProfile(sign_hours=2.8, contact_hours=6, complete_share=0.7, unsatisfied=0.12),  # signs late
    "rlgs": UnitProfile(sign_hours=0.8, contact_hours=3, complete_share=0.6, unsatisfied=0.28),  # unsatisfied
    "swjt": UnitProfile(sign_hours=0.25, contact_hours=1, complete_share=0.25, unsatisfied=0.04),  # exemplary
    "jd05": UnitProfile(sign_hours=1.4, contact_hours=8, complete_share=1.05, unsatisfied=0.2,
                        forgetful=0.02),  # overdue street office
}


PLANTED_NOTES = {
    "zjj": "signs for late (mean 2.8 working hours against a 2-hour limit)",
    "rlgs": "often leaves citizens unsatisfied (28 %)",
    "swjt": "fast and well rated",
    "jd05": "slow to complete, often overdue, sometimes forgets a ticket",
}


@dataclass
class Plan:
    """One ticket to generate, before its life is played."""

    created: dt.datetime
    category: Category
    grid: int
    plant: str = ""  # which planted hotspot it belongs to, if any


@dataclass
class Result:
    tickets: int = 0
    events: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    hotspots: list[dict[str, Any]] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)


class SimulationRefused(Exception):
    pass


def responsible_code(category_code: str) -> str:
    for length in (6, 4, 2):
        code = RESPONSIBILITY.get(category_code[:length])
        if code:
            return code
    return "zsj"


def simulate(*, seed: int = 1, tickets: int = 100_000, days: int = 730, grids: int = 200, append: bool = False,
             end: dt.datetime | None = None, log: Callable[[str], None] | None = None) -> Result:
    """Generate the city (unless it exists) and `tickets` tickets over the `days` days up to `end` (now)."""
    started = time.perf_counter()
    end = end or clock.now()
    if not append and Ticket.objects.exists():
        raise SimulationRefused(_("the database already holds tickets; use --append to add more"))
    with transaction.atomic():
        calendar_seed()
        taxonomy_load_default()
        time_limits_seed()
        world = load_city()
        if world is None:
            if Area.objects.exists():
                raise SimulationRefused(_("the database holds another organisation tree; simulate needs its own"))
            world = build_city(seed, grids)
        result = Result(counts=dict(world.counts))
        generator = _Generator(world, seed=seed, end=end, days=days)
        generator.generate(tickets, log=log)
        result.tickets, result.events = generator.ticket_count, generator.event_count
        result.statuses = generator.statuses
        result.hotspots, result.units = generator.hotspots, generator.unit_notes
    result.seconds = time.perf_counter() - started
    return result


class _Generator:
    def __init__(self, world: World, *, seed: int, end: dt.datetime, days: int) -> None:
        self.world, self.end, self.days = world, end, max(1, days)
        self.started, self.cpu_started = time.perf_counter(), time.process_time()
        self.np = np.random.default_rng(seed)
        self.text_rng = random.Random(seed)  # titles and descriptions: independent of how far lives run
        self.rng = random.Random(seed + 7919)
        self.tz = timezone.get_default_timezone()
        self.calendar: WorkingCalendar = working_calendar()
        self.categories = list(Category.objects.filter(level=3, active=True).order_by("code"))
        self.policies = list(TimeLimitPolicy.objects.select_related("category"))
        self.limits: dict[tuple[Any, ...], sla.Limit] = {}
        self.day_cache: dict[tuple[dt.date, int], dt.datetime] = {}
        self.centre = world.units[CENTRE_UNIT[0]]
        self.centre_id = self.centre.id
        self.operators = world.staff("operator")
        self.dispatchers = world.staff("dispatcher")
        self.supervisors = world.staff("supervisor")
        self.citizen = world.users.get("citizen")
        self.profiles = self._profiles()
        self.departments = [u for u in world.units.values() if u.kind == UnitKind.DEPARTMENT]
        self.open_by_key: dict[tuple[int, int], tuple[int, str, dt.datetime | None, dt.datetime]] = {}
        self.ticket_count = self.event_count = 0
        self.insert_seconds = 0.0
        self.ticket_columns = tuple(f.attname for f in Ticket._meta.concrete_fields)
        self.datetime_columns = [i for i, f in enumerate(Ticket._meta.concrete_fields)
                                 if f.get_internal_type() == "DateTimeField"]
        self.adapt = _adapter()
        self.to_json = _json_adapter()
        self.empty_json = self.to_json({})
        self.statuses: dict[str, int] = {}
        self.hotspots: list[dict[str, Any]] = []
        self.unit_notes = {code: f"{world.units[code].name}: {note}" for code, note in PLANTED_NOTES.items()
                           if code in world.units}
        self.next_pk = (Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        self.rise_street = min(2, len(world.streets) - 1)
        self.grid_pop = self.np.lognormal(0, 0.6, size=len(world.grids))
        self.grid_pop /= self.grid_pop.sum()

    # ------------------------------------------------------------------ the plan: when, what, where
    def _profiles(self) -> dict[int, UnitProfile]:
        rng = random.Random(1)  # unit characters are part of the city, not of the ticket sample
        profiles = {}
        for code, unit in sorted(self.world.units.items()):
            profiles[unit.pk] = PLANTED_PROFILES.get(code) or UnitProfile(
                sign_hours=rng.uniform(0.3, 1.1), contact_hours=rng.uniform(1, 3.5),
                complete_share=rng.uniform(0.2, 0.5), unsatisfied=rng.uniform(0.04, 0.12))
        return profiles

    def _day_weights(self, first: dt.date) -> np.ndarray:
        """Relative volume per day: the weekday, official holidays and make-up workdays, a slow growth."""
        weights = np.empty(self.days)
        for i in range(self.days):
            day = first + dt.timedelta(days=i)
            weekday, workday = day.weekday(), self.calendar.is_workday(day)
            if workday:
                factor = WEEKDAY[weekday] if weekday < 5 else WEEKDAY[2]  # a make-up workday (调休) is a workday
            else:
                factor = WEEKDAY[weekday] if weekday >= 5 else WEEKDAY[6] * HOLIDAY  # a holiday on a weekday
            weights[i] = factor * (1 + 0.12 * i / 365)
        return weights

    def plan(self, total: int) -> list[Plan]:
        rng = self.np
        last = timezone.localtime(self.end, self.tz).date()
        first = last - dt.timedelta(days=self.days - 1)
        self.office = _OfficeClock(self.calendar, first - dt.timedelta(days=1), last + dt.timedelta(days=400))
        months = np.array([(first + dt.timedelta(days=i)).month - 1 for i in range(self.days)])
        codes = [c.code for c in self.categories]
        base = np.array([VOLUME.get(code, 1.0) for code in codes])
        season = np.ones((12, len(codes)))
        for j, code in enumerate(codes):
            if code in SEASONS:
                season[:, j] = SEASONS[code]
        matrix = self._day_weights(first)[:, None] * base[None, :] * season[months]
        planted = self._plant(total, first, last)
        n_base = max(0, total - len(planted))
        cells = rng.choice(matrix.size, size=n_base, p=(matrix / matrix.sum()).ravel())
        day_idx, cat_idx = np.divmod(cells, len(codes))
        grid_idx = rng.choice(len(self.world.grids), size=n_base, p=self.grid_pop)
        hours = rng.choice(24, size=n_base, p=np.asarray(HOURS) / sum(HOURS))
        seconds = hours * 3600 + rng.integers(0, 3600, size=n_base)
        midnights = [dt.datetime.combine(first + dt.timedelta(days=i), dt.time(), self.tz) for i in range(self.days)]
        plans = [Plan(midnights[d] + dt.timedelta(seconds=int(sec)), self.categories[c], g)
                 for d, c, g, sec in zip(day_idx.tolist(), cat_idx.tolist(), grid_idx.tolist(), seconds.tolist(),
                                         strict=True)]
        plans += planted
        midnight = dt.datetime.combine(last, dt.time(), self.tz)
        for p in plans:
            if p.created > self.end:  # later today than now: fold it into the part of today that has passed
                p.created = midnight + (self.end - midnight) * float(rng.random())
        plans.sort(key=lambda p: p.created)
        return plans

    def _moment(self, day: dt.date, hours: tuple[float, ...] = HOURS) -> dt.datetime:
        hour = self.np.choice(24, p=np.asarray(hours) / sum(hours))
        seconds = int(hour) * 3600 + int(self.np.integers(0, 3600))
        return dt.datetime.combine(day, dt.time(), self.tz) + dt.timedelta(seconds=seconds)

    def _plant(self, total: int, first: dt.date, last: dt.date) -> list[Plan]:
        """The hotspots the analysis should find; each is recorded in `self.hotspots`."""
        world, rng, plans = self.world, self.np, []
        by_code = {c.code: c for c in self.categories}
        span = (last - first).days + 1

        # 1. A burst of noise complaints in one grid over two weeks (集中性).
        burst_grid = len(world.grids) // 3
        start = first + dt.timedelta(days=int(span * 0.62))
        n = max(12, round(total * 0.0006))
        for _draw in range(n):
            day = start + dt.timedelta(days=int(rng.integers(0, min(14, span))))
            plans.append(Plan(self._moment(min(day, last)), by_code["020102"], burst_grid, "burst"))
        grid = world.grids[burst_grid]
        self.hotspots.append({"kind": "burst", "category": "020102", "grid": grid.area.code,
                              "place": grid.compounds[0], "from": str(start),
                              "to": str(min(start + dt.timedelta(days=13), last)), "tickets": n})

        # 2. A sustained rise of restaurant fumes in one street over the last third of the period (趋势性).
        street = self.rise_street
        street_grids = [i for i, g in enumerate(world.grids) if g.street_index == street]
        rise_days = max(7, span // 3)
        n = max(10, round(total * 0.004))
        ramp = np.sqrt(rng.random(n))  # density rising linearly towards the end
        for r in ramp:
            day = last - dt.timedelta(days=int((1 - r) * (rise_days - 1)))
            plans.append(Plan(self._moment(day), by_code["020201"], int(rng.choice(street_grids)), "rise"))
        self.hotspots.append({"kind": "rise", "category": "020201", "street": world.streets[street].code,
                              "street_name": world.streets[street].name,
                              "from": str(last - dt.timedelta(days=rise_days - 1)), "to": str(last),
                              "tickets": n})

        # 3. A new problem in the last month, a first cluster in a few grids of one street (苗头性).
        emerging_street = min(5, len(world.streets) - 1)
        emerging_grids = [i for i, g in enumerate(world.grids) if g.street_index == emerging_street][:3]
        window = min(30, span)
        n = max(8, round(total * 0.0004))
        for k in range(n):
            day = last - dt.timedelta(days=int(window * (1 - math.sqrt((k + 1) / n))))
            plans.append(Plan(self._moment(day), by_code["030402"], int(rng.choice(emerging_grids)), "emerging"))
        self.hotspots.append({"kind": "emerging", "category": "030402", "topic": EMERGING_PROBLEM,
                              "street": world.streets[emerging_street].code,
                              "grids": [world.grids[i].area.code for i in emerging_grids],
                              "from": str(last - dt.timedelta(days=window - 1)), "to": str(last), "tickets": n})

        # 4. A repeat caller: one phone number about one leaking roof, again and again (重复诉求).
        caller_grid = (len(world.grids) * 2) // 3
        n = max(5, round(total * 0.0002))
        for k in range(n):
            day = first + dt.timedelta(days=int(span * (0.5 + 0.5 * k / n)))
            plans.append(Plan(self._moment(day), by_code["010401"], caller_grid, "repeat"))
        self.hotspots.append({"kind": "repeat_caller", "category": "010401", "phone": REPEAT_PHONE,
                              "grid": world.grids[caller_grid].area.code, "tickets": n})
        return plans

    # ------------------------------------------------------------------ generation and insertion
    def generate(self, total: int, log: Callable[[str], None] | None = None) -> None:
        fresh = not Ticket.objects.exists()
        with _bulk_load(fresh):
            self._generate(total, log)
        if connection.vendor == "postgresql":  # explicit ids: move the sequence past them
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [Ticket]):
                    cursor.execute(sql)

    def _generate(self, total: int, log: Callable[[str], None] | None) -> None:
        plans = self.plan(total)
        points = np.zeros((len(plans), 2))
        grid_of = np.array([p.grid for p in plans], dtype=int)
        for g in np.unique(grid_of):
            rows = np.nonzero(grid_of == g)[0]
            points[rows] = sample_points(self.world.grids[int(g)], len(rows), self.np)
        citizen_every = max(1, len(plans) // 40)
        tickets: list[Any] = []
        events: list[tuple[Any, ...]] = []
        co_units: list[tuple[int, int]] = []
        for i, plan in enumerate(plans):
            life = self._ticket(plan, i, points[i], own=self.citizen is not None and i % citizen_every == 7)
            tickets.append(life.ticket)
            events.extend(life.events)
            co_units.extend(life.co_units)
            self.statuses[life.ticket.status] = self.statuses.get(life.ticket.status, 0) + 1
            if len(tickets) >= BATCH:
                self._flush(tickets, events, co_units)
                if log and self.ticket_count % PROGRESS_EVERY == 0:
                    cpu = time.process_time() - self.cpu_started
                    log(f"  {self.ticket_count:>7} tickets, {self.event_count:>8} events, "
                        f"{time.perf_counter() - self.started:.1f} s (CPU {cpu:.1f} s, "
                        f"inserting {self.insert_seconds:.1f} s)")
                tickets, events, co_units = [], [], []
        self._flush(tickets, events, co_units)

    def _flush(self, tickets: list[Any], events: list[tuple[Any, ...]], co_units: list[tuple[int, int]]) -> None:
        """Plain multi-row inserts: Django's bulk_create() spends more time preparing rows than SQLite inserting."""
        flush_started = time.process_time()
        adapt, times = self.adapt, self.datetime_columns
        ticket_rows = []
        for t in tickets:
            values = t.__dict__
            row = [values[name] for name in self.ticket_columns]
            for i in times:
                if row[i] is not None:
                    row[i] = adapt(row[i])
            ticket_rows.append(tuple(row))
        _insert(Ticket, self.ticket_columns, ticket_rows)
        _insert(TicketEvent, EVENT_COLUMNS, events)
        _insert(Ticket.co_units.through, ("ticket_id", "unit_id"), co_units)
        self.ticket_count += len(tickets)
        self.event_count += len(events)
        self.insert_seconds += time.process_time() - flush_started

    # ------------------------------------------------------------------ one ticket
    def _ticket(self, plan: Plan, index: int, point: np.ndarray, own: bool) -> "_Life":
        rng, text = self.rng, self.text_rng
        grid = self.world.grids[plan.grid]
        code = plan.category.code
        topic = P.TOPICS[code]
        ttype = self._type(code, topic, plan.plant)
        channel = self._channel(topic, ttype, plan.plant)
        urgency = Urgency.NORMAL
        if ttype in {TicketType.HELP, TicketType.COMPLAINT, TicketType.REPORT}:
            emergency_share = 0.12 if code in {"010303", "080301", "080303", "010302"} else 0.02
            urgency = Urgency.EMERGENCY if rng.random() < emergency_share else Urgency.NORMAL
        if own:
            channel = Channel.MOBILE
        title, description, problem, address = self._text(plan, grid, topic, ttype, channel)
        pk = self.next_pk
        self.next_pk += 1
        created = plan.created
        if plan.plant == "repeat":
            name, phone = "刘女士", REPEAT_PHONE
        elif own:
            name, phone = "演示市民", "13800000000"
        else:
            name, phone = self._citizen(text)
        ticket: Any = _Draft(
            id=pk, number=f"{timezone.localtime(created, self.tz):%Y%m%d}{pk:06d}", channel=channel,
            ticket_type=ttype, urgency=urgency, is_complex=rng.random() < 0.05, category=plan.category,
            category_id=plan.category.pk,
            title=title[:200], description=description, citizen_name=name, citizen_phone=phone,
            address=address, longitude=round(float(point[0]), 6), latitude=round(float(point[1]), 6),
            cell=Ticket.cell_of(float(point[1]), float(point[0])), place_method="point", place_confidence=0.8,
            area_id=grid.area.pk, area_path=grid.area.path, status=Status.RECEIVED, version=1,
            created_at=created, updated_at=created)
        actor, actor_unit = self._receiver(ticket, grid, own)
        if own:
            ticket.citizen_id = self.citizen.pk  # type: ignore[union-attr]
        if actor is not None:
            ticket.created_by_id = actor.pk
        life = _Life(self, ticket)
        life.receive(actor, actor_unit)
        with contextlib.suppress(_Stop):  # the ticket's life reached "now": it stays where it is
            self._play(life, grid, problem, plan)
        life.finish()
        key = (plan.grid, plan.category.pk)
        if ticket.status not in {Status.MERGED, Status.INVALID}:
            self.open_by_key[key] = (ticket.pk, ticket.number or "", life.first_closed, created)
        return life

    def _type(self, code: str, topic: P.Topic, plant: str) -> str:
        r = self.text_rng.random()
        if code == "100201":
            return TicketType.PRAISE
        if code == "100202":
            return TicketType.SUGGESTION
        if plant:
            return TicketType.COMPLAINT if plant != "emerging" or r < 0.8 else TicketType.HELP
        inquiry = 0.6 if topic.place == P.NONE else 0.12
        if r < inquiry:
            return TicketType.INQUIRY
        r = (r - inquiry) / (1 - inquiry)
        if r < 0.04:
            return TicketType.SUGGESTION
        if r < 0.05:
            return TicketType.PRAISE
        reportable = code[:4] in {"0105", "0602", "0603", "0801", "0203"} or code in {"020204", "040301"}
        report_share = 0.35 if reportable else 0.02
        if r < report_share:
            return TicketType.REPORT
        help_share = 0.45 if code[:4] in {"0103", "0102", "0504"} else 0.2
        return TicketType.HELP if r < report_share + help_share else TicketType.COMPLAINT

    def _channel(self, topic: P.Topic, ttype: str, plant: str) -> str:
        r = self.text_rng.random()
        if plant == "repeat":
            return Channel.PHONE
        for channel, share in CHANNELS:
            if r < share:
                if channel == Channel.GRID and (topic.place == P.NONE or ttype == TicketType.INQUIRY):
                    return Channel.PHONE  # grid workers report what they see on patrol, not questions
                return channel
            r -= share
        return Channel.PHONE

    def _receiver(self, ticket: Ticket, grid: GridInfo, own: bool) -> tuple[Any, int | None]:
        """Who took the ticket in, as ticket_create() records it (no acting unit on "receive")."""
        users = self.world.users
        if own:
            return self.citizen, None
        if ticket.channel == Channel.PHONE:
            return self.rng.choice(self.operators), None
        if ticket.channel == Channel.GRID:
            unit = self.world.community_units[grid.community.pk]
            return users.get(f"grid-{unit.code}"), None
        if ticket.channel == Channel.RECEPTION:
            return users.get(f"deputy-{grid.district.code.lower()}") or users.get("deputy"), None
        return None, None

    def _citizen(self, rng: random.Random) -> tuple[str, str]:
        surname = rng.choice(P.SURNAMES)
        if rng.random() < 0.6:
            name = surname + rng.choice(("先生", "女士"))
        else:
            name = surname + "".join(rng.choice(P.GIVEN) for _char in range(rng.choice((1, 2))))
        return name, rng.choice(P.PHONE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"

    def _text(self, plan: Plan, grid: GridInfo, topic: P.Topic, ttype: str,
              channel: str) -> tuple[str, str, str, str]:
        """(title, description, problem, address)."""
        rng = self.text_rng
        code = plan.category.code
        compound = grid.compounds[0] if plan.plant in {"burst", "repeat"} else rng.choice(grid.compounds)
        road = rng.choice(grid.roads)
        crossing = next((r for r in grid.roads if r != road), "")
        home = f"{compound}{rng.randint(1, 18)}栋" if rng.random() < 0.5 else compound
        place = {
            P.HOME: home,
            P.ROAD: (f"{road}与{crossing}交叉口" if crossing and rng.random() < 0.3
                     else f"{road}{rng.randint(1, 399)}号附近"),
            P.SHOP: f"{road}{rng.randint(1, 399)}号{rng.choice(P.SURNAMES)}记{rng.choice(_shop_kinds(code))}",
            P.FIRM: f"澜城{rng.choice(FIRM_WORDS)}{rng.choice(FIRM_TRADES)}有限公司",
            P.NONE: "",
        }[topic.place]
        if topic.place == P.ROAD and place.endswith("附近") and rng.random() < 0.5:
            place = place.removesuffix("附近")
        address = f"{grid.district.name}{grid.street.name}{place if topic.place != P.NONE else compound}"
        problem = rng.choice(topic.problems)
        if plan.plant == "burst":
            problem = "底商KTV噪音扰民"
        elif plan.plant == "emerging":
            problem = EMERGING_PROBLEM
        elif plan.plant == "repeat":
            problem, place = "顶楼漏水", f"{compound}7栋"
        details = P.DETAILS.get(code[:4], ("",))
        detail = "，".join(rng.sample(details, k=min(2, len(details))))
        opening = P.OPENINGS.get(channel, "市民反映：")
        who = "来电人" if channel == Channel.PHONE else "市民"
        demand = rng.choice(P.DEMANDS[ttype])
        if ttype == TicketType.INQUIRY:
            question = rng.choice(topic.questions)
            return (f"咨询{question}", f"{opening}{who}想咨询{question}，{rng.choice(INQUIRY_CONTEXT)}。{demand}",
                    question, address)
        if ttype == TicketType.SUGGESTION:
            suggestion = rng.choice(P.SUGGESTIONS[code[:2]])
            return (f"建议{suggestion}", f"{opening}{grid.street.name}居民建议{suggestion}，{detail}。{demand}",
                    suggestion, address)
        if ttype == TicketType.PRAISE:
            whom, why = rng.choice(P.PRAISE_WHOM), rng.choice(P.PRAISE_WHY)
            return (f"表扬{grid.street.name}{whom}{why}",
                    f"{opening}{who}表示{grid.street.name}{whom}{why}，{demand}", f"{whom}{why}", address)
        suffix = "" if plan.plant else rng.choice(P.TITLE_SUFFIXES)
        where = place or f"{compound}附近"
        if topic.place == P.NONE:
            title = f"{problem}{suffix}"
            body = f"{who}反映{problem}"
        else:
            title = f"{where}{problem}{suffix}"
            body = f"{address}{problem}"
        if ttype == TicketType.REPORT:
            title = f"举报{title}"
        description = f"{opening}{body}，{rng.choice(P.DURATIONS)}一直如此，{detail}。{demand}"
        return title, description, problem, address

    # ------------------------------------------------------------------ one life
    def _play(self, life: "_Life", grid: GridInfo, problem: str, plan: Plan) -> None:
        rng, t = self.rng, life.ticket
        created = t.created_at
        operator = rng.choice(self.operators)
        if t.channel == Channel.PHONE and rng.random() < 0.012:
            life.step("invalidate", created + _minutes(rng.uniform(1, 10)), operator, self.centre_id,
                      note=rng.choice(P.INVALID_NOTES))
            return
        target = self.open_by_key.get((plan.grid, t.category_id))  # type: ignore[arg-type]
        if target is not None and rng.random() < (0.4 if plan.plant else 0.12):
            merge_at = self._centre_time(created + _minutes(rng.uniform(5, 60)))
            target_pk, target_number, target_closed, target_created = target
            if target_created < created and (target_closed is None or target_closed > merge_at):
                life.step("merge", merge_at, rng.choice(self.dispatchers), self.centre_id,
                          note="与在办工单诉求相同，合并办理。", data={"merged_into": target_number},
                          merged_into=target_pk)
                return
        direct = {TicketType.INQUIRY: 0.75, TicketType.PRAISE: 0.9, TicketType.SUGGESTION: 0.4}
        if rng.random() < direct.get(t.ticket_type, 0.0):
            at = self._centre_time(created + _minutes(rng.uniform(2, 25)))
            question = problem
            life.step("answer", at, operator, self.centre_id,
                      reply=rng.choice(P.ANSWERS).format(topic=question))
            return

        unit = self._responsible(t, grid)
        dispatcher = rng.choice(self.dispatchers)
        at = self._centre_time(created + _minutes(rng.expovariate(1 / 45)))
        if rng.random() < 0.06:  # dispatched to the wrong unit first: it returns the ticket
            wrong = rng.choice([d for d in self.departments if d.pk != unit.pk])
            life.step("dispatch", at, dispatcher, self.centre_id, unit=wrong)
            back = self.office.add_working_seconds(at, rng.uniform(0.1, 1.6) * 3600)
            if t.sign_due is not None and back >= t.sign_due:
                back = max(t.sign_due - dt.timedelta(minutes=1), at)
            life.step("return", back, self._handler(wrong), wrong.pk, note=rng.choice(P.RETURN_REASONS))
            at = self._centre_time(back + _minutes(rng.uniform(5, 90)))
            if rng.random() < 0.1:
                life.step("dispute", at, dispatcher, self.centre_id, note=P.DISPUTE_NOTES[0])
                at = self._centre_time(at + _minutes(rng.uniform(60, 1440)))
                life.step("arbitrate", at, rng.choice(self.supervisors), self.centre_id, unit=unit,
                          note="按职责清单由责任单位办理。")
            else:
                life.step("dispatch", at, dispatcher, self.centre_id, unit=unit)
        else:
            life.step("dispatch", at, dispatcher, self.centre_id, unit=unit)
        self._handle(life, unit, problem)

    def _handle(self, life: "_Life", unit: Unit, problem: str) -> None:
        """Sign, contact, work, complete, callback; again after a reopen (at most MAX_REOPENS times)."""
        rng, t = self.rng, life.ticket
        profile = self.profiles[unit.pk]
        while True:
            handler = self._handler(unit)
            self._work(life, unit, handler, profile, problem)
            satisfaction = self._callback(life, profile)
            if satisfaction != Satisfaction.UNSATISFIED or t.reopen_count >= MAX_REOPENS or rng.random() > 0.5:
                return
            life.step("reopen", self._centre_time(life.at + _minutes(rng.uniform(10, 600))),
                      rng.choice(self.operators), self.centre_id, note="来电人对办理结果不满意，重新办理。")

    def _work(self, life: "_Life", unit: Unit, handler: Any, profile: UnitProfile, problem: str) -> None:
        rng, t, cal = self.rng, life.ticket, self.office
        emergency = t.urgency == Urgency.EMERGENCY
        if emergency:  # emergencies are signed and answered at once, office hours or not
            at = life.at + _minutes(rng.uniform(3, 30))
        else:
            at = cal.add_working_seconds(life.at, rng.expovariate(1 / profile.sign_hours) * 3600)
        life.step("sign", at, handler, unit.pk)
        if emergency:
            at = life.at + _minutes(rng.uniform(10, 100))
        else:
            at = cal.add_working_seconds(life.at, rng.expovariate(1 / profile.contact_hours) * 3600)
        life.step("contact", at, handler, unit.pk, note="已电话联系来电人，了解具体情况。")
        span = max(cal.working_seconds_between(t.dispatched_at, t.complete_due), 3600.0)
        share = profile.complete_share * rng.lognormvariate(0, 0.45)
        if rng.random() < profile.forgetful:
            share *= rng.uniform(3, 12)  # forgotten in a drawer: long overdue, maybe still open
        work = span * share
        if unit.kind == UnitKind.STREET_OFFICE and rng.random() < 0.05:
            # 街乡吹哨、部门报到: the street summons the department that knows the matter best.
            department = responsible_code(t.category.code)
            life.step("summon", cal.add_working_seconds(life.at, 1800), handler, unit.pk,
                      note="街乡吹哨，请相关部门到场协同处置。",
                      co_units=[self.world.units["cgj" if department == STREET else department]])
        if rng.random() < 0.12:
            life.step("note", cal.add_working_seconds(life.at, work * 0.4), handler, unit.pk,
                      note="已到现场查看，正在协调处理。")
        base_at, base_work = self._interruptions(life, unit, handler, work)
        done = (base_at + _minutes(rng.uniform(30, 600)) if emergency
                else cal.add_working_seconds(base_at, base_work))
        life.step("complete", max(done, life.at), handler, unit.pk,
                  reply=rng.choice(P.REPLIES).format(problem=problem))

    def _interruptions(self, life: "_Life", unit: Unit, handler: Any, work: float) -> tuple[dt.datetime, float]:
        """A few tickets ask for an extension or are suspended; returns when and how much work remains."""
        rng, cal = self.rng, self.office
        r = rng.random()
        if r < 0.04:
            days = rng.choice((3, 5, 7, 10, 15))
            ask = cal.add_working_seconds(life.at, work * 0.5)
            life.step("request_extension", ask, handler, unit.pk, note=rng.choice(P.EXTENSION_NOTES), days=days)
            decided = cal.add_working_seconds(life.at, rng.uniform(0.5, 8) * 3600)
            supervisor = rng.choice(self.supervisors)
            if rng.random() < 0.8:
                life.step("approve_extension", decided, supervisor, self.centre_id)
                return life.at, work * 0.5 + days * WORKDAY_SECONDS * rng.uniform(0.3, 0.9)
            life.step("refuse_extension", decided, supervisor, self.centre_id, note="延期理由不充分。")
            return life.at, work * 0.5
        if r < 0.055:
            paused = cal.add_working_seconds(life.at, work * 0.3)
            life.step("suspend", paused, handler, unit.pk, note=rng.choice(P.SUSPEND_NOTES))
            life.step("resume", cal.add_working_seconds(life.at, rng.uniform(1, 15) * WORKDAY_SECONDS),
                      handler, unit.pk, note="挂起事由消除，恢复办理。")
            return life.at, work * 0.7
        return life.at, work

    def _callback(self, life: "_Life", profile: UnitProfile) -> str:
        rng, t = self.rng, life.ticket
        called = self._centre_time(life.at + _minutes(rng.uniform(120, 2880)))
        unsatisfied = profile.unsatisfied * (0.6 if t.reopen_count else 1.0)
        if t.complete_due is not None and life.at > t.complete_due:
            unsatisfied += 0.12  # late work is judged more harshly
        r = rng.random()
        if r < unsatisfied:
            satisfaction, resolved = Satisfaction.UNSATISFIED, rng.random() < 0.15
        elif r < unsatisfied + 0.16:
            satisfaction, resolved = Satisfaction.BASICALLY_SATISFIED, rng.random() < 0.8
        else:
            satisfaction, resolved = Satisfaction.SATISFIED, True
        life.step("callback", called, rng.choice(self.operators), self.centre_id,
                  note=P.CALLBACK_NOTES[satisfaction], resolved=resolved, satisfaction=satisfaction)
        return satisfaction

    # ------------------------------------------------------------------ helpers
    def _responsible(self, ticket: Any, grid: GridInfo) -> Unit:
        code = responsible_code(ticket.category.code)  # type: ignore[union-attr]
        if code == STREET:
            return self.world.street_units[grid.street_index]
        return self.world.units[code]

    def _handler(self, unit: Unit) -> Any:
        return self.rng.choice(self.world.handlers[unit.pk])

    def _centre_time(self, moment: dt.datetime) -> dt.datetime:
        """The centre's dispatchers and callback staff work 08:00-22:00 every day."""
        local = timezone.localtime(moment, self.tz)
        if 8 <= local.hour < 22:
            return moment
        day = local.date() if local.hour < 8 else local.date() + dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(8), self.tz) + _minutes(self.rng.uniform(0, 50))

    def limit(self, ticket: Any, stage: str) -> sla.Limit:
        key = (stage, ticket.ticket_type, ticket.urgency, ticket.is_complex, ticket.category_id)
        limit = self.limits.get(key)
        if limit is None:
            limit = self.limits[key] = sla.time_limit(ticket, stage, self.policies)
        return limit

    def add(self, start: dt.datetime, limit: sla.Limit) -> dt.datetime:
        """calendar.add(), with whole working days cached per local day (they only depend on the day)."""
        if limit.unit != LimitUnit.WORKING_DAYS:
            return self.calendar.add(start, limit.amount, limit.unit)
        key = (timezone.localtime(start, self.tz).date(), limit.amount)
        due = self.day_cache.get(key)
        if due is None:
            due = self.day_cache[key] = self.calendar.add(start, limit.amount, limit.unit)
        return due


EMERGING_PROBLEM = "地铁五号线施工围挡封路后绕行困难"
REPEAT_PHONE = "13907150012"
# Businesses that fit a category (longest code prefix wins).
SHOP_KINDS: dict[str, tuple[str, ...]] = {
    "0201": ("KTV", "酒吧", "服装店", "手机店"), "0202": ("餐馆", "烧烤店", "火锅店", "小吃店"),
    "0403": ("培训中心", "教育咨询中心", "艺术培训学校"), "0601": ("超市", "家电城", "服装店", "手机店"),
    "060102": ("健身房", "美容店", "理发店", "游泳馆"), "0602": ("超市", "菜市场", "加油站", "水果店"),
    "0603": ("餐馆", "超市", "小吃店", "外卖店"), "0703": ("大药房", "药店"),
    "": ("便利店", "超市", "餐馆"),
}


def _shop_kinds(code: str) -> tuple[str, ...]:
    for length in (6, 4, 0):
        if code[:length] in SHOP_KINDS:
            return SHOP_KINDS[code[:length]]
    return SHOP_KINDS[""]


FIRM_WORDS = ("宏达", "鑫源", "恒通", "华兴", "永盛", "瑞祥", "金鼎", "博远", "天成", "众诚")
FIRM_TRADES = ("建材", "物流", "电子", "科技", "餐饮管理", "建筑工程", "服装", "机械", "化工", "商贸")
INQUIRY_CONTEXT = ("不清楚需要准备哪些材料", "网上查到的信息不一致", "想了解最新的政策", "家里老人需要办理",
                   "之前没有办理过")


EVENT_COLUMNS = ("ticket_id", "action", "from_status", "to_status", "actor_id", "actor_unit_id", "at", "note",
                 "data")


def _adapter() -> Callable[[Any], Any]:
    """Python values as the database driver takes them (what the fields' get_db_prep_save() would produce)."""
    if connection.vendor != "sqlite":
        return lambda value: value
    utc = dt.UTC

    def adapt(value: Any) -> Any:
        if isinstance(value, dt.datetime):  # Django keeps naive UTC text in SQLite: drop the "+00:00"
            return value.astimezone(utc).isoformat(" ")[:-6]
        return value

    return adapt


@contextlib.contextmanager
def _bulk_load(fresh: bool) -> Iterator[None]:
    """On SQLite, load empty ticket tables without their secondary indexes and build those once at the end.

    Building an index from sorted data is several times cheaper than keeping it up to date row by row. DDL is
    transactional in SQLite: if the load fails, the rollback brings the indexes back with everything else.
    """
    if connection.vendor != "sqlite" or not fresh:
        yield
        return
    tables = (Ticket._meta.db_table, TicketEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size = -131072")  # this connection only: 128 MB of page cache
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                       "AND sql NOT LIKE 'CREATE UNIQUE%%' AND tbl_name IN (%s, %s)", tables)
        indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for _name, sql in indexes:
            cursor.execute(sql)


def _json_adapter() -> Callable[[dict[str, Any]], Any]:
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return Jsonb
    return json.dumps


def _insert(model: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    meta, quote = model._meta, connection.ops.quote_name
    column_of = {f.attname: f.column for f in meta.concrete_fields}
    names = ", ".join(quote(column_of[c]) for c in columns)
    # Table and column names come from the model's meta; the values travel as parameters.
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _minutes(value: float) -> dt.timedelta:
    return dt.timedelta(minutes=value)


class _OfficeClock:
    """Office time on the working calendar as one number line, for the simulated staff's own delays.

    WorkingCalendar walks day by day, which is right for deadlines but costs most of the generation time
    when every sign-for, contact and completion of 100,000 tickets needs it. Here each office-hours span of the
    period is laid end to end once, and an addition is two binary searches. Deadlines still come from the
    WorkingCalendar itself; outside the prepared period this falls back to it too.
    """

    def __init__(self, calendar: WorkingCalendar, first: dt.date, last: dt.date) -> None:
        self.calendar, self.tz = calendar, calendar.tz
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.before: list[float] = []  # office seconds before each span
        self.through: list[float] = []  # office seconds up to each span's end
        total, day = 0.0, first
        while day <= last:
            if calendar.is_workday(day):
                for begin, finish in calendar.windows:
                    start = dt.datetime.combine(day, begin, self.tz).timestamp()
                    end = dt.datetime.combine(day, finish, self.tz).timestamp()
                    self.starts.append(start)
                    self.ends.append(end)
                    self.before.append(total)
                    total += end - start
                    self.through.append(total)
            day += dt.timedelta(days=1)

    def _position(self, epoch: float) -> float:
        i = bisect.bisect_right(self.starts, epoch) - 1
        if i < 0:
            return 0.0
        return self.before[i] + min(epoch - self.starts[i], self.ends[i] - self.starts[i])

    def add_working_seconds(self, start: dt.datetime, seconds: float) -> dt.datetime:
        epoch = start.timestamp()
        if not self.starts or epoch < self.starts[0] or seconds <= 0:
            return self.calendar.add_working_seconds(start, seconds)
        target = self._position(epoch) + seconds
        j = bisect.bisect_left(self.through, target)
        if j >= len(self.starts):
            return self.calendar.add_working_seconds(start, seconds)
        return dt.datetime.fromtimestamp(self.starts[j] + (target - self.before[j]), self.tz)

    def working_seconds_between(self, start: dt.datetime, end: dt.datetime) -> float:
        if end <= start:
            return 0.0
        a, b = start.timestamp(), end.timestamp()
        if not self.starts or a < self.starts[0] or b > self.ends[-1]:
            return self.calendar.working_seconds_between(start, end)
        return self._position(b) - self._position(a)


class _Draft:
    """A ticket being generated: Ticket's column values as plain attributes, which the sla functions read.

    A model instance costs tens of microseconds to build; 100,000 of them are most of a demo start.
    """

    defaults: dict[str, Any] | None = None

    def __init__(self, **values: Any) -> None:
        if _Draft.defaults is None:
            _Draft.defaults = {f.attname: f.get_default() for f in Ticket._meta.concrete_fields}
        self.__dict__.update(_Draft.defaults)
        self.__dict__.update(values)

    @property
    def pk(self) -> int:
        return self.__dict__["id"]  # type: ignore[no-any-return]


class _Life:
    """One ticket's way through the transition table, with the effects ticket_transition() would have."""

    def __init__(self, generator: _Generator, ticket: Any) -> None:
        self.g, self.ticket = generator, ticket
        self.events: list[tuple[Any, ...]] = []  # rows in EVENT_COLUMNS order
        self.co_units: list[tuple[int, int]] = []
        self.at = ticket.created_at
        self.first_closed: dt.datetime | None = None

    def receive(self, actor: Any, unit_id: int | None) -> None:
        self._event("receive", "", self.at, actor, unit_id)

    def _event(self, action: str, from_status: str, at: dt.datetime, actor: Any, unit_id: int | None, *,
               note: str = "", data: dict[str, Any] | None = None) -> None:
        self.events.append((self.ticket.pk, action, from_status, self.ticket.status,
                            actor.id if actor is not None else None, unit_id, self.g.adapt(at), note,
                            self.g.to_json(data) if data else self.g.empty_json))
        self.at = at

    def step(self, action: str, at: dt.datetime, actor: Any, unit_id: int | None, *, note: str = "",
             reply: str = "", data: dict[str, Any] | None = None, unit: Unit | None = None,
             days: int | None = None, resolved: bool | None = None, satisfaction: str = "",
             merged_into: int | None = None, co_units: list[Unit] | None = None) -> None:
        at = max(at.replace(microsecond=0), self.at + ONE_SECOND)
        if at > self.g.end:
            raise _Stop
        self._flag_until(at)
        t, rule = self.ticket, TRANSITIONS[action]
        if t.status not in rule.sources:
            raise AssertionError(f"{action} is not allowed from {t.status}")
        record = self._apply(action, at, data=data, unit=unit, reply=reply, days=days, resolved=resolved,
                             satisfaction=satisfaction, merged_into=merged_into, co_units=co_units)
        from_status = t.status
        if rule.target is not None:
            t.status = rule.target
        self._follow_stage()
        t.version += 1
        t.updated_at = at
        if t.status in {Status.CLOSED, Status.MERGED, Status.INVALID} and self.first_closed is None:
            self.first_closed = at
        self._event(action, from_status, at, actor, unit_id, note=note or reply, data=record)

    def _apply(self, action: str, at: dt.datetime, *, data: dict[str, Any] | None, unit: Unit | None, reply: str,
               days: int | None, resolved: bool | None, satisfaction: str, merged_into: int | None,
               co_units: list[Unit] | None) -> dict[str, Any]:
        """The field effects of services.EFFECTS[action]; returns what the event records."""
        t = self.ticket
        record: dict[str, Any] = dict(data or {})
        if action in {"dispatch", "arbitrate"}:
            assert unit is not None
            self._assign(unit, at)
            record = {"unit": unit.pk, "co_units": []}
        elif action == "answer":
            t.reply, t.completed_at, t.closed_at = reply, at, at
        elif action == "return":
            t.return_count += 1
            record = {"unit": t.unit_id}
        elif action == "suspend":
            t.suspended_at = at
        elif action == "refuse_extension":
            t.requested_extension_days = None
        elif action == "sign":
            t.signed_at = at
        elif action == "contact":
            t.contacted_at = at
        elif action == "summon":
            units = co_units or []
            present = {unit_id for _ticket, unit_id in self.co_units}  # co_units.add() ignores units already there
            self.co_units += [(t.pk, u.pk) for u in units if u.pk not in present]
            record = {"co_units": [u.pk for u in units]}
        elif action == "request_extension":
            t.requested_extension_days = days
            record = {"days": days}
        elif action == "approve_extension":
            granted = t.requested_extension_days or 0
            sla.extend(t, granted)
            t.requested_extension_days = None
            record = {"days": granted, "complete_due": t.complete_due.isoformat() if t.complete_due else None}
        elif action == "resume":
            sla.shift_for_suspension(t, at)
        elif action == "complete":
            t.reply, t.completed_at = reply, at
        elif action == "callback":
            t.resolved, t.satisfaction, t.closed_at = resolved, satisfaction, at
            record = {"resolved": resolved, "satisfaction": satisfaction}
        elif action == "reopen":
            t.reopen_count += 1
            t.resolved, t.satisfaction = None, ""
            self._assign(t.unit, at)  # type: ignore[arg-type]
            record = {"reopen_count": t.reopen_count}
        elif action == "merge":
            t.merged_into_id, t.closed_at = merged_into, at
        return record

    def _assign(self, unit: Unit, at: dt.datetime) -> None:
        """services._assign() with sla.start_clocks(), on cached policies and calendar results."""
        t, g = self.ticket, self.g
        t.unit, t.unit_id, t.unit_path = unit, unit.pk, unit.path
        t.dispatched_at = at
        t.signed_at = t.contacted_at = t.completed_at = t.closed_at = None
        t.requested_extension_days = None
        t.sign_due = g.add(at, g.limit(t, Stage.SIGN))
        t.contact_due = g.add(at, g.limit(t, Stage.CONTACT))
        t.complete_due = g.add(at, g.limit(t, Stage.COMPLETE))
        t.due_at = t.sign_due
        t.overdue_flagged_at = None

    def _follow_stage(self) -> None:
        """sla.follow_stage() without the warning time, which finish() computes once for the final state."""
        t = self.ticket
        if t.status in {Status.SIGNED, Status.IN_PROGRESS, Status.EXTENSION_PENDING}:
            due = t.contact_due if t.contacted_at is None else t.complete_due
        elif t.status == Status.DISPATCHED:
            due = t.sign_due
        else:
            due = None
        if due != t.due_at:
            t.overdue_flagged_at = None
        t.due_at = due

    def _flag_until(self, until: dt.datetime) -> None:
        """What the periodic job (every 5 minutes) did while the ticket sat past its deadline."""
        t, rng = self.ticket, self.g.rng
        if t.status not in ASSIGNED or t.due_at is None or t.overdue_flagged_at is not None:
            return
        flagged = max(t.due_at, self.at) + dt.timedelta(seconds=rng.randint(1, 300))
        if flagged >= until or flagged > self.g.end:
            return
        t.overdue_flagged_at = flagged
        t.version += 1
        t.updated_at = flagged
        self._event("flag_overdue", t.status, flagged, None, None,
                    data={"due_at": t.due_at.astimezone(dt.UTC).isoformat()})
        if rng.random() < 0.3:
            urged = self.g._centre_time(flagged + _minutes(rng.uniform(30, 240)))
            if urged < until and urged <= self.g.end:
                t.version += 1
                t.updated_at = urged
                self._event("urge", t.status, urged, rng.choice(self.g.supervisors), self.g.centre_id,
                            note=rng.choice(P.URGE_NOTES))

    def finish(self) -> None:
        self._flag_until(self.g.end + ONE_SECOND)
        t = self.ticket
        if t.due_at is not None:
            saved = t.overdue_flagged_at
            sla.follow_stage(t)  # the real one, for warn_at
            t.overdue_flagged_at = saved
        else:
            t.warn_at = None
