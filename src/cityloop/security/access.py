"""The gates: `visible_to()` for every list and `access_object()` for every single record.

Models that can be gated declare `scope_filter(grants) -> Q` and `in_scope(grants) -> bool`; the gates know
nothing of their fields.
"""

from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from cityloop.core.errors import NotFound
from cityloop.organisation.models import Membership
from cityloop.security.grants import AREA, OWNER_PERMISSIONS, ROLE_GRANTS


@dataclass(frozen=True)
class Grants:
    """The scopes in which a user holds one permission."""

    user_id: int | None
    permission: str
    area_paths: tuple[str, ...] = ()
    unit_paths: tuple[str, ...] = ()
    # (membership id, unit id, scope kind, path) for each granting membership, to name the acting unit
    memberships: tuple[tuple[int, int, str, str], ...] = field(default=())
    own: bool = False

    @property
    def empty(self) -> bool:
        return not (self.area_paths or self.unit_paths or self.own)

    def acting_unit_id(self, *, area_path: str, unit_paths: tuple[str, ...]) -> int | None:
        """The unit of the first membership whose scope covers the object, for the event log."""
        for _pk, unit_id, kind, path in self.memberships:
            paths = (area_path,) if kind == AREA else unit_paths
            if any(p.startswith(path) for p in paths):
                return unit_id
        return None


def memberships_of(user: Any) -> list[Membership]:
    """The user's memberships, read once per request (cached on the user object)."""
    if user is None or not user.is_authenticated:
        return []
    cache = user.__dict__.get("_cityloop_memberships")
    if cache is None:
        cache = list(Membership.objects.filter(user=user).select_related("unit", "scope"))
        user.__dict__["_cityloop_memberships"] = cache
    return cache


def grants_for(user: Any, permission: str) -> Grants:
    if user is None or not user.is_authenticated:
        return Grants(user_id=None, permission=permission)
    areas: list[str] = []
    units: list[str] = []
    memberships: list[tuple[int, int, str, str]] = []
    for membership in memberships_of(user):
        kind, permissions = ROLE_GRANTS[membership.role]
        if permission not in permissions:
            continue
        path = membership.scope.path if kind == AREA else membership.unit.path
        (areas if kind == AREA else units).append(path)
        memberships.append((membership.pk, membership.unit_id, kind, path))
    return Grants(user_id=user.pk, permission=permission, area_paths=tuple(areas), unit_paths=tuple(units),
                  memberships=tuple(memberships), own=permission in OWNER_PERMISSIONS)


class Gated(Protocol):
    @classmethod
    def scope_filter(cls, grants: Grants) -> Q: ...

    def in_scope(self, grants: Grants) -> bool: ...


M = TypeVar("M", bound=Model)


def visible_to(user: Any, permission: str, queryset: QuerySet[M]) -> QuerySet[M]:
    grants = grants_for(user, permission)
    if grants.empty:
        return queryset.none()
    return queryset.filter(queryset.model.scope_filter(grants))  # type: ignore[attr-defined]


def can(user: Any, permission: str, obj: Gated) -> bool:
    grants = grants_for(user, permission)
    return not grants.empty and obj.in_scope(grants)


def access_object(user: Any, permission: str, queryset: QuerySet[M], **lookup: Any) -> M:
    """One record, or NotFound both when it is missing and when the user may not see it."""
    # No ordering: the model's default order would let the database walk an index instead of the lookup.
    obj = visible_to(user, permission, queryset).filter(**lookup).order_by().first()
    if obj is None:
        raise NotFound(_("Not found."))
    return obj
