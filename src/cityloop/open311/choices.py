from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Datatype(models.TextChoices):
    """The attribute datatypes of Open311 GeoReport v2 service definitions."""

    STRING = "string", _("Short text")
    NUMBER = "number", pgettext_lazy("attribute datatype", "Number")  # not the ticket number
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Long text")
    SINGLEVALUELIST = "singlevaluelist", _("One choice")
    MULTIVALUELIST = "multivaluelist", _("Several choices")


LIST_DATATYPES = frozenset({Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST})
