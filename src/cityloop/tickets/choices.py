from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WEB = "web", _("Web form")
    MOBILE = "mobile", _("Mobile app")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("E-mail")
    OPEN311 = "open311", _("Open311")
    IMPORT = "import", _("Bulk import")
    RECEPTION = "reception", _("Deputies' reception")
    GRID = "grid", _("Grid patrol")
    ANALYSIS = "analysis", _("Analysis (proactive)")


class TicketType(models.TextChoices):
    INQUIRY = "inquiry", _("Inquiry")
    HELP = "help", _("Request for help")
    COMPLAINT = "complaint", _("Complaint")
    REPORT = "report", _("Report")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("Emergency")
    NORMAL = "normal", _("Normal")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    DISPATCHED = "dispatched", _("Dispatched")
    RETURNED = "returned", _("Returned")
    DISPUTED = "disputed", _("In arbitration")
    SIGNED = "signed", _("Signed for")
    IN_PROGRESS = "in_progress", _("In progress")
    EXTENSION_PENDING = "extension_pending", _("Extension requested")
    SUSPENDED = "suspended", _("Suspended")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    MERGED = "merged", _("Merged")
    INVALID = "invalid", _("Invalid")


OPEN_STATUSES = frozenset(Status) - {Status.CLOSED, Status.MERGED, Status.INVALID}


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")


class Stage(models.TextChoices):
    """The clocks a ticket runs against (时限)."""

    SIGN = "sign", _("Sign for")
    CONTACT = "contact", _("Contact the citizen")
    COMPLETE = "complete", _("Complete")


class LimitUnit(models.TextChoices):
    HOURS = "hours", _("Hours")
    WORKING_HOURS = "working_hours", _("Working hours")
    WORKING_DAYS = "working_days", _("Working days")


class SlaState(models.TextChoices):
    NORMAL = "normal", _("On time")
    WARNING = "warning", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
