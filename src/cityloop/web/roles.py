"""The role a person is acting in now (one person may hold several), and the pages each role starts from."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cityloop.organisation.choices import Role
from cityloop.security.access import memberships_of

SESSION_KEY = "cityloop_role"
CITIZEN = "citizen"

# (url name, label) of each role's pages; the first is its home page.
ROLE_PAGES: dict[str, list[tuple[str, Promise]]] = {
    Role.OPERATOR: [("intake:console", _("Intake console")), ("assessment:callbacks", _("Callbacks")),
                    ("tickets:list", _("Tickets"))],
    Role.DISPATCHER: [("dispatch:queue", _("Dispatch queue")), ("tickets:list", _("Tickets"))],
    Role.HANDLER: [("handling:todo", _("To-do list")), ("tickets:list", _("Tickets"))],
    Role.SUPERVISOR: [("assessment:board", _("Supervision board")),
                      ("assessment:reviews", _("Exemptions and reviews")), ("analytics:brain", _("City brain")),
                      ("analytics:warnings", _("Warnings")), ("tickets:list", _("Tickets"))],
    Role.ANALYST: [("analytics:overview", _("Overview")), ("analytics:brain", _("City brain")),
                   ("analytics:warnings", _("Warnings")), ("tickets:list", _("Tickets"))],
    Role.ADMIN: [("assessment:board", _("Supervision board")), ("analytics:brain", _("City brain")),
                 ("tickets:list", _("Tickets")), ("admin:index", _("Administration"))],
    CITIZEN: [("portal:mine", _("My tickets")), ("portal:report", _("Report a problem")),
              ("portal:map", _("Public map"))],
}
DEFAULT_PAGES: list[tuple[str, Promise]] = [("tickets:list", _("Tickets"))]


def roles_of(user: Any) -> list[str]:
    """The distinct roles the user holds, in the order of Role; citizens (no membership) act as citizens."""
    held = {m.role for m in memberships_of(user)}
    return [role for role in Role.values if role in held] or [CITIZEN]


def active_role(request: HttpRequest) -> str:
    roles = roles_of(request.user)
    chosen = request.session.get(SESSION_KEY)
    return chosen if chosen in roles else roles[0]


def pages_for(role: str) -> list[tuple[str, Promise]]:
    return ROLE_PAGES.get(role, DEFAULT_PAGES)


def home_url(role: str) -> str:
    return reverse(pages_for(role)[0][0])
