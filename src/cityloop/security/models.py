import hashlib
import json
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import TimeStampedModel


class ApiToken(TimeStampedModel):
    """A bearer token for API clients. Only its SHA-256 is stored; the key is shown once, at creation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user: object, name: str) -> tuple["ApiToken", str]:
        key = "cl_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=cls.hash_key(key), prefix=key[:8])
        return token, key


class AuditEntry(models.Model):
    """One change or sensitive read, in an append-only log whose entries are chained by hashes.

    Entries are written with the change, in its transaction, without a place in the chain; the sealer
    (`audit_seal`, run by the periodic jobs and before every verification) gives them their sequence number
    and hash in commit order. Writers therefore never wait on each other for the chain's head, and any later
    edit of a sealed entry breaks the chain at exactly that entry.
    """

    at = models.DateTimeField(_("time"), db_index=True)
    # indexed by audit_actor_time, which leads with it
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+", db_index=False)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    seq = models.BigIntegerField(_("sequence"), unique=True, null=True, blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["seq", "id"]
        indexes = [models.Index(fields=["actor", "at"], name="audit_actor_time"),
                   models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}:{self.object_id}"

    def digest(self, prev_hash: str) -> str:
        """The entry's hash: over the previous hash and every recorded field, in a fixed canonical form."""
        body = json.dumps([prev_hash, self.seq, self.at.isoformat(), self.actor_id, self.action, self.object_type,
                           self.object_id, self.data], ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                          default=str)
        return hashlib.sha256(body.encode()).hexdigest()


class SecurityAlert(TimeStampedModel):
    """Something about an account's use of the platform, or about one client address's use of the public
    pages, that a security administrator should look at."""

    kind = models.CharField(_("kind"), max_length=32)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("account"), null=True, blank=True,
                             on_delete=models.CASCADE, related_name="security_alerts")
    # A burst on the public pages has no account: the client address (an IPv6 client by its /64 network).
    address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    day = models.DateField(_("day"))
    observed = models.FloatField(_("observed"))
    expected = models.FloatField(_("expected"))
    evidence = models.JSONField(_("evidence"), default=dict, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("security alert")
        verbose_name_plural = _("security alerts")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "user", "day"], name="alert_once_per_day"),
                       models.UniqueConstraint(fields=["kind", "address", "day"], condition=Q(address__isnull=False),
                                               name="address_alert_once_per_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.user or self.address}"
