from django.db import models
from django.utils.translation import gettext_lazy as _


class CodePurpose(models.TextChoices):
    """What a one-time code is for: following one ticket, or signing in without one."""

    TRACK = "track", _("Track a ticket")
    SIGN_IN = "sign_in", _("Sign in")
