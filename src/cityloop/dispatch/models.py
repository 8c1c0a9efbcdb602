"""The responsibility catalogue (派单目录/职责清单): which unit handles which category of demand in which area."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import TimeStampedModel
from cityloop.organisation.models import Area, Unit
from cityloop.tickets.models import Category


class CatalogueEntry(TimeStampedModel):
    """Category (with its subcategories) × area (with its subtree) → primary unit and co-handling units.

    Where several entries match a ticket, the most specific wins: the deepest category, then the deepest area.
    """

    category = models.ForeignKey(Category, verbose_name=_("category (with its subcategories)"),
                                 on_delete=models.CASCADE, related_name="catalogue_entries")
    area = models.ForeignKey(Area, verbose_name=_("area (with its subtree)"), on_delete=models.CASCADE,
                             related_name="catalogue_entries")
    unit = models.ForeignKey(Unit, verbose_name=_("handling unit"), on_delete=models.PROTECT,
                             related_name="catalogue_entries")
    co_units = models.ManyToManyField(Unit, verbose_name=_("co-handling units"), blank=True,
                                      related_name="catalogue_co_entries")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("catalogue entry")
        verbose_name_plural = _("responsibility catalogue")
        ordering = ["category__path", "area__path"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True) | models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="catalogue_entry_valid_period"),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.area} → {self.unit}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end of validity cannot come before its start.")})
