from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import TimeStampedModel
from cityloop.tickets.models import Category


class KnowledgeArticle(TimeStampedModel):
    """A policy or answer (知识库条目) operators give to callers; valid for a period."""

    title = models.CharField(_("title"), max_length=200)
    question = models.TextField(_("typical questions"), blank=True,
                                help_text=_("How callers ask for this, one phrasing per line."))
    answer = models.TextField(_("answer"))
    basis = models.CharField(_("legal or policy basis"), max_length=300, blank=True)
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="articles")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge base")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class IntakeAnalysis(models.Model):
    """What the intake pipeline proposed for a ticket when it was recorded, kept for the operator and dispatcher."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="intake_analysis")
    # [{"id", "label", "score"}] best first, as the console shows them
    categories = models.JSONField(default=list, blank=True)
    units = models.JSONField(default=list, blank=True)
    duplicates = models.JSONField(default=list, blank=True)  # [{"id", "number", "title", "score", "merge"}]
    answers = models.JSONField(default=list, blank=True)  # [{"id", "title", "score"}]
    category_model = models.CharField(max_length=300, blank=True)  # the active model's directory, if any
    urgency_rule = models.CharField(max_length=40, blank=True)  # the emergency keyword that matched, if any
    auto_dispatched = models.BooleanField(default=False)
    dispatch_threshold = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("intake analysis")
        verbose_name_plural = _("intake analyses")

    def __str__(self) -> str:
        return f"intake analysis of ticket {self.ticket_id}"
