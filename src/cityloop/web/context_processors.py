from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from cityloop.organisation.choices import Role
from cityloop.web.roles import CITIZEN, active_role, pages_for, roles_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The signed-in person's roles and the pages of the role they act in now."""
    if not request.user.is_authenticated:
        return {}
    role = active_role(request)
    pages = []
    for name, label in pages_for(role):
        try:
            pages.append({"url": reverse(name), "label": label, "current": request.path == reverse(name)})
        except NoReverseMatch:  # a role page not built yet
            continue
    labels = dict(Role.choices) | {CITIZEN: _citizen_label()}
    return {"nav_pages": pages, "active_role": role,
            "nav_roles": [{"value": r, "label": labels[r]} for r in roles_of(request.user)]}


def _citizen_label() -> str:
    from django.utils.translation import gettext

    return gettext("Citizen")
