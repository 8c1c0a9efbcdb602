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
