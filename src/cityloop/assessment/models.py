"""Assessment (考核): callback attempts, exemptions, supervisor reviews, yearly weights and monthly results."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.assessment.choices import CallbackOutcome, Decision, ExemptionKind, ReviewKind, ScopeKind
from cityloop.security.access import Grants
from cityloop.tickets.models import Ticket

# How many unreachable callback attempts make a ticket count as "unreachable" (not as unsatisfied).
UNREACHABLE_ATTEMPTS = 3
EVIDENCE_MAX_LENGTH = 5000
ATTACHMENT_MAX_LENGTH = 300


class _TicketScoped(models.Model):
    """Rows that belong to one ticket are visible to whoever may see the ticket."""

    ticket: "models.ForeignKey[Ticket, Ticket]"

    class Meta:
        abstract = True

    @classmethod
    def scope_filter(cls, grants: Grants) -> models.Q:
        return models.Q(ticket__in=Ticket.objects.filter(Ticket.scope_filter(grants)))

    def in_scope(self, grants: Grants) -> bool:
        return self.ticket.in_scope(grants)


class CallbackAttempt(_TicketScoped):
    """One try to reach the citizen for the callback (回访); reached ones end in the ticket's callback action."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="callback_attempts")
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallbackOutcome.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("callback attempt")
        verbose_name_plural = _("callback attempts")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.outcome} {self.at:%Y-%m-%d %H:%M}"


class Exemption(_TicketScoped):
    """A request to leave a ticket out of the rates (不合理诉求 / 非本辖区), decided by a supervisor."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="exemptions")
    kind = models.CharField(_("kind"), max_length=24, choices=ExemptionKind.choices)
    evidence = models.TextField(_("evidence"), max_length=EVIDENCE_MAX_LENGTH)
    attachment = models.CharField(_("attachment reference"), max_length=ATTACHMENT_MAX_LENGTH, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("exemption")
        verbose_name_plural = _("exemptions")
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["ticket"], condition=models.Q(decision=""),
                                               name="exemption_one_pending_per_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.decision or 'pending'}"


class SupervisorReview(_TicketScoped):
    """An item on the supervisor's review list: unsatisfied after the last reopening, or a weak reply."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="supervisor_reviews")
    kind = models.CharField(_("kind"), max_length=16, choices=ReviewKind.choices)
    reason = models.TextField(_("reason"), blank=True)
    score = models.FloatField(_("score"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("supervisor review")
        verbose_name_plural = _("supervisor reviews")
        ordering = ["closed_at", "-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "kind"], condition=models.Q(closed_at__isnull=True),
                                               name="review_one_open_per_ticket_kind")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class AssessmentConfig(models.Model):
    """The weights of one year's composite score (a published example: 30/35/35)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    weight_response = models.FloatField(_("response weight"), default=30.0)
    weight_resolution = models.FloatField(_("resolution weight"), default=35.0)
    weight_satisfaction = models.FloatField(_("satisfaction weight"), default=35.0)
    basic_satisfied_weight = models.FloatField(_("weight of 'basically satisfied'"), default=0.8)
    callback_days = models.PositiveSmallIntegerField(_("callback within (working days)"), default=3)
    low_reply_score = models.FloatField(_("reply scores below this go to review"), default=0.3)

    class Meta:
        verbose_name = _("assessment configuration")
        verbose_name_plural = _("assessment configurations")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class AssessmentResult(models.Model):
    """The stored figures of one scope in one month; `cityloop assessment verify` recomputes them."""

    period = models.DateField(_("month"), db_index=True)  # the first day of the month
    scope_kind = models.CharField(_("scope"), max_length=16, choices=ScopeKind.choices)
    scope_id = models.BigIntegerField(_("scope id"))
    scope_name = models.CharField(_("name"), max_length=200, blank=True)
    figures = models.JSONField(_("figures"), default=dict)
    as_of = models.DateTimeField(_("events up to"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("assessment result")
        verbose_name_plural = _("assessment results")
        ordering = ["period", "scope_kind", "scope_id"]
        constraints = [models.UniqueConstraint(fields=["period", "scope_kind", "scope_id"],
                                               name="assessment_result_unique_cell")]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.scope_kind} {self.scope_name or self.scope_id}"


class ReplyScore(_TicketScoped):
    """The quality of a ticket's reply (答复质量), each part in 0..1."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="reply_score")
    relevance = models.FloatField(_("relevance"))
    completeness = models.FloatField(_("completeness"))
    explanation = models.FloatField(_("explanation"))
    timeliness = models.FloatField(_("timeliness"))
    total = models.FloatField(_("total"))
    working_days = models.FloatField(_("working days to reply"), null=True, blank=True)
    scored_at = models.DateTimeField(_("scored at"))

    class Meta:
        verbose_name = _("reply score")
        verbose_name_plural = _("reply scores")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.total:.2f}"
