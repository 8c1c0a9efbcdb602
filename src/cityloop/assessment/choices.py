from django.db import models
from django.utils.translation import gettext_lazy as _


class ExemptionKind(models.TextChoices):
    UNREASONABLE = "unreasonable", _("Unreasonable demand")
    OUTSIDE_JURISDICTION = "outside_jurisdiction", _("Outside jurisdiction")


class Decision(models.TextChoices):
    PENDING = "", _("Pending")
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")


class CallbackOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    UNREACHABLE = "unreachable", _("Unreachable")


class ReviewKind(models.TextChoices):
    REOPEN_LIMIT = "reopen_limit", _("Unsatisfied after the last reopening")
    UNSATISFIED = "unsatisfied", _("Unsatisfied, not reopened: decide whether to reopen")
    REPLY_QUALITY = "reply_quality", _("Low reply quality")


class ScopeKind(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    UNIT = "unit", _("Handling unit")
    CATEGORY = "category", _("Category")
