"""Warnings (预警) raised by the analysis, and the month's hard problems (每月一题)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.organisation.models import Area, Unit
from cityloop.tickets.models import Category, Ticket


class WarningKind(models.TextChoices):
    CONCENTRATED = "concentrated", _("Concentrated")
    TRENDING = "trending", _("Trending")
    EMERGING = "emerging", _("Emerging")
    HOT = "hot", _("Hot issue")


class WarningStatus(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    DISMISSED = "dismissed", _("Dismissed")
    TASKED = "tasked", _("Turned into a task")
    MEASURED = "measured", _("Effect measured")


class Warning(models.Model):
    """One unusual count of one category in one area over a window, with its evidence, worked like a ticket."""

    kind = models.CharField(_("kind"), max_length=16, choices=WarningKind.choices)
    day = models.DateField(_("analysed day"), db_index=True)
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, verbose_name=_("area"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    area_path = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    window_start = models.DateField(_("window from"))
    window_end = models.DateField(_("window to"))
    expected = models.FloatField(_("expected"))
    observed = models.PositiveIntegerField(_("observed"))
    significance = models.FloatField(_("significance"), help_text=_("-log10 of the p-value, or the detector's score"))
    title = models.CharField(_("title"), max_length=200)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=WarningStatus.choices, default=WarningStatus.NEW,
                              db_index=True)
    reason = models.TextField(_("reason"), blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("handled by"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(Ticket, verbose_name=_("proactive task"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    tasked_at = models.DateTimeField(_("tasked at"), null=True, blank=True)
    effect = models.JSONField(_("effect"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ("-day", "-significance")
        constraints = [models.UniqueConstraint(fields=("day", "kind", "category", "area"), name="warning_once_a_day")]

    def __str__(self) -> str:
        return self.title


class MonthlyProblem(models.Model):
    """每月一题: a hard, frequent problem of one category in one area chosen for the month, led by one unit."""

    month = models.DateField(_("month"), help_text=_("first day of the month"))
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(max_length=255, blank=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    tickets = models.PositiveIntegerField(_("tickets in the month"))
    difficulty = models.JSONField(_("difficulty"), default=dict, blank=True)
    score = models.FloatField(_("score"))
    lead_unit = models.ForeignKey(Unit, verbose_name=_("lead unit"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    effect = models.JSONField(_("effect"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("problem of the month")
        verbose_name_plural = _("problems of the month")
        ordering = ("-month", "-score")
        constraints = [models.UniqueConstraint(fields=("month", "category", "area"), name="monthly_problem_once")]

    def __str__(self) -> str:
        return self.title
