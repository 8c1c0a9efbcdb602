from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaKind(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")
    BUILDING = "building", _("Building")
    UNIT = "unit", _("Dwelling unit")


# The order of levels in the area tree; a child is always exactly one level below its parent.
AREA_LEVELS = [kind.value for kind in AreaKind]


class UnitKind(models.TextChoices):
    CENTRE = "centre", _("Hotline centre")
    DEPARTMENT = "department", _("Government department")
    STREET_OFFICE = "street_office", _("Street office")
    COMMUNITY = "community", _("Community")
    UTILITY = "utility", _("Public utility")
    ENTERPRISE = "enterprise", _("Enterprise")


class Role(models.TextChoices):
    OPERATOR = "operator", _("Operator")
    DISPATCHER = "dispatcher", _("Dispatcher")
    HANDLER = "handler", _("Handler")
    SUPERVISOR = "supervisor", _("Supervisor")
    ANALYST = "analyst", _("Analyst")
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    DEPUTY = "deputy", _("Deputy")
    ADMIN = "admin", _("Administrator")
