"""Open311 GeoReport v2 (services, keys, posted requests, tokens) and the bulk import bookkeeping."""

import hashlib

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import TimeStampedModel
from cityloop.open311.choices import LIST_DATATYPES, Datatype
from cityloop.tickets.models import Category, Ticket


class ServiceAttribute(TimeStampedModel):
    """One extra question of a service (an Open311 service definition attribute), for one category."""

    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.CASCADE,
                                 related_name="open311_attributes")
    code = models.CharField(_("code"), max_length=64)
    datatype = models.CharField(_("datatype"), max_length=16, choices=Datatype.choices, default=Datatype.STRING)
    required = models.BooleanField(_("required"), default=False)
    # Open311's "variable": false marks an informational attribute the client only displays.
    variable = models.BooleanField(_("answered by the citizen"), default=True)
    description = models.CharField(_("question"), max_length=300)
    datatype_description = models.CharField(_("datatype description"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"))
    # [{"key": "...", "name": "..."}] for the list datatypes
    values = models.JSONField(_("values"), default=list, blank=True)

    class Meta:
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")
        ordering = ["category", "order"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="open311_attribute_code_unique"),
            models.UniqueConstraint(fields=["category", "order"], name="open311_attribute_order_unique"),
            models.CheckConstraint(condition=models.Q(order__gte=1), name="open311_attribute_order_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.category.code}/{self.code}"

    def clean(self) -> None:
        keys = [v.get("key") for v in self.values if isinstance(v, dict)] if isinstance(self.values, list) else None
        if keys is None or len(keys) != len(self.values) or any(k in (None, "") for k in keys):
            raise ValidationError({"values": _('Give a list of {"key": …, "name": …} objects.')})
        if self.datatype in LIST_DATATYPES and not keys:
            raise ValidationError({"values": _("A list attribute needs at least one value.")})
        if len(set(map(str, keys))) != len(keys):
            raise ValidationError({"values": _("The keys of the values must differ.")})

    @property
    def value_keys(self) -> set[str]:
        return {str(v["key"]) for v in self.values}


class Open311Key(TimeStampedModel):
    """An API key of a third-party Open311 client (an app, not a member of staff). Only its SHA-256 is stored."""

    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    daily_quota = models.PositiveIntegerField(_("requests per day"), default=1000)
    used_today = models.PositiveIntegerField(_("requests today"), default=0, editable=False)
    used_on = models.DateField(_("counted on"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class Open311Request(models.Model):
    """What an Open311 POST carried beyond the ticket itself, and its token."""

    key = models.ForeignKey(Open311Key, on_delete=models.PROTECT, related_name="requests")
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="open311")
    token = models.CharField(max_length=64, unique=True)
    jurisdiction_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    address_id = models.CharField(max_length=100, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")

    def __str__(self) -> str:
        return self.token


class ImportMapping(TimeStampedModel):
    """How the columns of one source's files become tickets (see cityloop.open311.imports for the format)."""

    name = models.SlugField(_("name"), max_length=50, unique=True)
    source = models.SlugField(_("source"), max_length=50)
    description = models.CharField(_("description"), max_length=300, blank=True)
    config = models.JSONField(_("mapping"))

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ImportedRow(models.Model):
    """One imported source row: the same (source, external id) is never imported twice."""

    source = models.CharField(_("source"), max_length=50)
    external_id = models.CharField(_("external id"), max_length=100)
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE,
                               related_name="imported_rows")
    # Source facts that are not ticket fields: status, closing time, reply, agency.
    data = models.JSONField(default=dict, blank=True)
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="imported_row_unique")]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"
