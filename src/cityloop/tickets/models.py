"""The ticket (工单), its append-only event log, the category taxonomy, time-limit policy and working calendar."""

import datetime as dt

import h3
from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import TimeStampedModel
from cityloop.core.trees import subtree_q
from cityloop.organisation.models import Area, TreeNode, Unit
from cityloop.security.access import Grants
from cityloop.tickets.choices import (
    Channel,
    LimitUnit,
    Satisfaction,
    Stage,
    Status,
    TicketType,
    Urgency,
)

CELL_RESOLUTION = 9


class Category(TreeNode):
    """A node of the three-level category taxonomy (GB/T 39666-style codes)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    parent = models.ForeignKey("self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    level = models.PositiveSmallIntegerField(_("level"), default=1)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["path"]
        constraints = [models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=3),
                                              name="category_level_1_to_3")]

    def __str__(self) -> str:
        return self.name


class Ticket(TimeStampedModel):
    # NULL until the row has its id, from which the number is made; unique once set.
    # unique by a constraint in Meta (as are idempotency_key and the citizen_phone index): unique=True and
    # db_index=True would also give PostgreSQL a second, LIKE-pattern index that no query uses.
    number = models.CharField(_("number"), max_length=24, null=True, editable=False)  # noqa: DJ001
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    ticket_type = models.CharField(_("type"), max_length=16, choices=TicketType.choices)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL)
    is_complex = models.BooleanField(_("complex"), default=False)
    # indexed by ticket_category_cell_time, which leads with it
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="tickets", db_index=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000)

    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("citizen account"), null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="own_tickets")
    citizen_name = models.CharField(_("citizen name"), max_length=100, blank=True)
    citizen_phone = models.CharField(_("citizen phone"), max_length=32, blank=True)
    citizen_email = models.EmailField(_("citizen e-mail"), blank=True)

    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    area = models.ForeignKey(Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="tickets")
    # The H3 cell (resolution 9, hexagons of about 200 m a side) of the point: nearby tickets are then an
    # indexed lookup of a few cells, whatever the number of tickets.
    cell = models.BigIntegerField(null=True, blank=True, editable=False)
    # How the area was found (address book, place name, map point) and how sure that is, shown to staff.
    place_method = models.CharField(_("located by"), max_length=20, blank=True)
    place_confidence = models.FloatField(_("location confidence"), null=True, blank=True)
    # Copies of the area's and unit's tree paths: scope checks are then one indexed prefix match. Columns that
    # lead a composite index in Meta get no index of their own: each index costs every insert and update.
    area_path = models.CharField(max_length=255, blank=True, editable=False)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    version = models.PositiveIntegerField(default=1, editable=False)
    unit = models.ForeignKey(Unit, verbose_name=_("handling unit"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="tickets")
    unit_path = models.CharField(max_length=255, blank=True, editable=False)
    co_units = models.ManyToManyField(Unit, verbose_name=_("co-handling units"), blank=True,
                                      related_name="co_tickets")

    # Indexed: assessment windows select tickets by when they were dispatched and closed.
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True, db_index=True)
    signed_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("citizen contacted at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, db_index=True)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)

    sign_due = models.DateTimeField(_("sign-for due"), null=True, blank=True)
    contact_due = models.DateTimeField(_("contact due"), null=True, blank=True)
    complete_due = models.DateTimeField(_("completion due"), null=True, blank=True)
    # The deadline of the stage the ticket is in now, and when its warning starts (75 % of the limit).
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    warn_at = models.DateTimeField(_("warning from"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue at"), null=True, blank=True)

    reply = models.TextField(_("reply"), blank=True)
    resolved = models.BooleanField(_("resolved"), null=True, blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=24, choices=Satisfaction.choices, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    return_count = models.PositiveSmallIntegerField(_("returned"), default=0)
    requested_extension_days = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged_tickets")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # "<client>:<key>": a retried create with the same key returns the first ticket.
    # NULL, not "", for "no key": the unique constraint must let many tickets have none
    idempotency_key = models.CharField(max_length=160, null=True, blank=True, editable=False)  # noqa: DJ001

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["unit_path", "status", "due_at"], name="ticket_unit_queue"),
            models.Index(fields=["area_path", "created_at"], name="ticket_area_time"),
            models.Index(fields=["status", "due_at"], name="ticket_status_due"),
            # Duplicate candidates: the category family's ids first, so that a lookup reads only that family's
            # rows in the cells around the point, not every ticket there (it replaces the index on cell alone).
            models.Index(fields=["category", "cell", "created_at"], name="ticket_category_cell_time"),
            models.Index(fields=["citizen_phone"], name="ticket_citizen_phone"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="ticket_number_unique"),
            models.UniqueConstraint(fields=["idempotency_key"], name="ticket_idempotency_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    # The scope protocol of cityloop.security.access: which tickets a set of grants reaches.
    @classmethod
    def scope_filter(cls, grants: Grants) -> models.Q:
        q = models.Q(pk__in=[])
        for path in grants.area_paths:
            q |= subtree_q("area_path", path)
        for path in grants.unit_paths:
            co_handled = cls.co_units.through.objects.filter(subtree_q("unit__path", path),
                                                             ticket_id=models.OuterRef("pk"))
            q |= subtree_q("unit_path", path) | models.Q(models.Exists(co_handled))
        if grants.own and grants.user_id is not None:
            q |= models.Q(citizen_id=grants.user_id)
        return q

    def in_scope(self, grants: Grants) -> bool:
        if grants.own and grants.user_id is not None and self.citizen_id == grants.user_id:
            return True
        if any(self.area_path.startswith(path) for path in grants.area_paths):
            return True
        return any(p.startswith(path) for p in self.handling_unit_paths() for path in grants.unit_paths)

    @staticmethod
    def number_for(pk: int, created_at: dt.datetime) -> str:
        """The number citizens quote: the local date of receipt and the id."""
        return f"{timezone.localtime(created_at):%Y%m%d}{pk:06d}"

    @classmethod
    def reserve_ids(cls, count: int) -> list[int]:
        """Ids for `count` new tickets, drawn before the insert so that the numbers go in with the rows.

        PostgreSQL: from the id sequence. SQLite: above the highest id ever given (AUTOINCREMENT's
        sqlite_sequence), safe inside a transaction begun IMMEDIATE, which holds the write lock (should
        another writer slip in under a different setting, the primary key refuses the insert).
        """
        table, qn = cls._meta.db_table, connection.ops.quote_name
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                               [table, count])
                return [int(r[0]) for r in cursor.fetchall()]
            if connection.vendor != "sqlite":
                raise NotImplementedError(f"ticket ids on {connection.vendor}")
            cursor.execute(f"SELECT max({qn('id')}) FROM {qn(table)}")  # noqa: S608 - names from the model
            highest = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            sequence = cursor.fetchone()
            first = max(highest, sequence[0] if sequence else 0) + 1
            return list(range(first, first + count))

    @staticmethod
    def cell_of(latitude: float | None, longitude: float | None) -> int | None:
        if latitude is None or longitude is None:
            return None
        return int(h3.str_to_int(h3.latlng_to_cell(latitude, longitude, CELL_RESOLUTION)))

    def get_status_display(self) -> str:  # type: ignore[no-redef]  # replaces the one Django generates
        # Django's own rebuilds a dictionary of every choice on each call, which API answers felt.
        return str(Status(self.status).label)

    def handling_unit_paths(self) -> tuple[str, ...]:
        # .all() so that a prefetch of co_units is used where a list has one
        return (self.unit_path, *(unit.path for unit in self.co_units.all()))


class TicketEvent(models.Model):
    """One step in a ticket's life. Append-only: written with the status change, never updated."""

    # indexed by event_ticket_time, which leads with it
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", db_index=False)
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), db_index=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="event_ticket_time")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise ValueError("ticket events are append-only")
        super().save(*args, **kwargs)


class TimeLimitPolicy(TimeStampedModel):
    """How long a stage may take. The most specific row that matches a ticket applies."""

    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    ticket_type = models.CharField(_("type"), max_length=16, choices=TicketType.choices, blank=True)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices, blank=True)
    category = models.ForeignKey(Category, verbose_name=_("category (with its subcategories)"), null=True,
                                 blank=True, on_delete=models.CASCADE)
    is_complex = models.BooleanField(_("complex only"), default=False)
    amount = models.PositiveIntegerField(_("amount"))
    limit_unit = models.CharField(_("unit of time"), max_length=16, choices=LimitUnit.choices)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("time-limit policy")
        verbose_name_plural = _("time-limit policies")

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.amount} {self.get_limit_unit_display()}"


class CalendarYear(models.Model):
    """A year whose holidays and make-up workdays are known; other years fall back to plain weekends."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=100, default="chinese_calendar")

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that breaks the Monday-to-Friday rule: a holiday on a weekday or a make-up workday (调休)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

