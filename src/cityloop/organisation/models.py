"""The organisation tree: areas from city to dwelling unit, handling units, and staff memberships."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import TimeStampedModel
from cityloop.core.trees import subtree_q
from cityloop.organisation.choices import AREA_LEVELS, AreaKind, Role, UnitKind


class TreeNode(TimeStampedModel):
    """A node of a materialised-path tree: `path` is the ancestors' ids and its own, each followed by '/'.

    Subtree queries are then one indexed range (`cityloop.core.trees.subtree_q`), on SQLite and PostgreSQL alike.
    """

    path = models.CharField(_("path"), max_length=255, db_index=True, editable=False, default="")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().save(*args, **kwargs)
        parent = getattr(self, "parent", None)
        old, new = self.path, f"{parent.path if parent else ''}{self.pk}/"
        if old != new:
            manager = type(self)._default_manager
            manager.filter(pk=self.pk).update(path=new)
            if old:  # moved: carry the subtree along
                for node in manager.filter(subtree_q("path", old)).exclude(pk=self.pk).only("pk", "path"):
                    manager.filter(pk=node.pk).update(path=new + node.path[len(old):])
            self.path = new

    @classmethod
    def rebuild_paths(cls) -> None:
        """Recompute every path top-down (after bulk_create, which bypasses save())."""
        manager = cls._default_manager
        paths: dict[int, str] = {}
        pending = list(manager.values_list("pk", "parent_id"))  # type: ignore[misc]  # concrete trees have parent
        while pending:
            rest = []
            for pk, parent_id in pending:
                if parent_id is None:
                    paths[pk] = f"{pk}/"
                elif parent_id in paths:
                    paths[pk] = f"{paths[parent_id]}{pk}/"
                else:
                    rest.append((pk, parent_id))
            if len(rest) == len(pending):
                raise ValueError("the tree has a cycle or a missing parent")
            pending = rest
        nodes = list(manager.filter(pk__in=paths).only("pk", "path"))
        for node in nodes:
            node.path = paths[node.pk]
        manager.bulk_update(nodes, ["path"], batch_size=500)


class Area(TreeNode):
    kind = models.CharField(_("kind"), max_length=16, choices=AreaKind.choices)
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey("self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    # GeoJSON geometry (Polygon or MultiPolygon, WGS84) of the boundary, and its representative point.
    boundary = models.JSONField(_("boundary"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        expected = AREA_LEVELS.index(self.kind) - 1
        if self.parent is None and expected >= 0:
            raise ValidationError(_("Only a city can be the root of the area tree."))
        if self.parent is not None and AREA_LEVELS.index(self.parent.kind) != expected:
            raise ValidationError(_("An area must sit exactly one level below its parent."))


class Unit(TreeNode):
    """A handling unit (承办单位): a department, street office, community, utility or the centre itself."""

    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey("self", verbose_name=_("parent unit"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    # The area the unit answers for; a department's is the whole district or city.
    area = models.ForeignKey(Area, verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="units")
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("handling unit")
        verbose_name_plural = _("handling units")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    """A person's role in a unit, scoped to a subtree of areas (by default the unit's jurisdiction)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    scope = models.ForeignKey(Area, verbose_name=_("scope"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class Address(TimeStampedModel):
    """An entry of the standard address book (标准地址库): a normalised address and the area it lies in."""

    text = models.CharField(_("address"), max_length=200, unique=True)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="addresses")
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("address book")
        ordering = ["text"]

    def __str__(self) -> str:
        return self.text
