"""The portal's own records: one-time codes (tracking a ticket, signing in), and e-mail subscriptions to a ticket."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.core import clock
from cityloop.portal.choices import CodePurpose
from cityloop.tickets.models import Ticket


class OneTimeCode(models.Model):
    """A six-digit code sent to a phone or e-mail address. Only a keyed hash of the code is stored.

    For tracking, the contact is the one given on the ticket; for signing in, there is no ticket and the code
    only proves that the person holds the contact.
    """

    purpose = models.CharField(_("purpose"), max_length=16, choices=CodePurpose.choices, default=CodePurpose.TRACK)
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, null=True, blank=True,
                               related_name="+")
    contact = models.CharField(_("contact"), max_length=254)  # normalised phone or e-mail
    code_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["ticket", "created_at"], name="otp_ticket_time"),
                   models.Index(fields=["contact", "created_at"], name="otp_contact_time")]
        constraints = [models.CheckConstraint(
            condition=models.Q(purpose=CodePurpose.TRACK, ticket__isnull=False)
            | models.Q(purpose=CodePurpose.SIGN_IN, ticket__isnull=True), name="otp_ticket_for_tracking_only")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.ticket_id or ''} {self.created_at:%Y-%m-%d %H:%M}"


class Subscription(models.Model):
    """Someone who wants an e-mail when the ticket moves on. Unsubscribing keeps the row with `active` off."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE,
                               related_name="subscriptions")
    email = models.EmailField(_("e-mail"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)
    updated_at = models.DateTimeField(_("updated at"), default=clock.now)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [models.UniqueConstraint(fields=["ticket", "email"], name="subscription_ticket_email")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.email}"
