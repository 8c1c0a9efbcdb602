from django.db import models
from django.utils.translation import gettext_lazy as _


class Phase(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for comment")
    ANALYSIS = "analysis", _("Analysis")
    PUBLISHED = "published", _("Result published")


PHASE_ORDER = [p.value for p in Phase]


class OpinionChannel(models.TextChoices):
    WEB = "web", _("Web")
    HOTLINE = "hotline", _("12345 hotline")
    EMAIL = "email", _("E-mail")
    PAPER = "paper", _("On-site paper form")
    SURVEY = "survey", _("Survey")
    CONTACT_POINT = "contact_point", _("Grassroots legislative contact point")


class Stance(models.TextChoices):
    SUPPORT = "support", _("Support")
    OPPOSE = "oppose", _("Oppose")
    SUGGEST = "suggest", _("Suggestion")


class Decision(models.TextChoices):
    ADOPTED = "adopted", _("Adopted")
    PARTLY = "partly", _("Partly adopted")
    NOT_ADOPTED = "not_adopted", _("Not adopted")


class ModerationAction(models.TextChoices):
    HIDE = "hide", _("Hidden")
    AUTO_HIDE = "auto_hide", _("Hidden after reports")
    RESTORE = "restore", _("Shown again")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    SCALE = "scale", _("Scale")
    TEXT = "text", _("Free text")


class DeputyKind(models.TextChoices):
    NPC = "npc", _("People's congress deputy")
    PARTY = "party", _("Party congress representative")
    CPPCC = "cppcc", _("CPPCC member")


class DeputyLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    TOWNSHIP = "township", _("Township")


class BookingChannel(models.TextChoices):
    ONLINE = "online", _("Online")
    PHONE = "phone", _("By phone")


class IssueOutcome(models.TextChoices):
    ANSWERED = "answered", _("Answered on the spot")
    TICKET = "ticket", _("12345 ticket")
    MOTION = "motion", _("Motion or proposal")
