"""Who may do what in participation. Pure reads; no writes.

- A consultation is run by its responsible office: members of that unit or of a unit above it, and
  administrators. The same rule, with the station's organising unit, for a liaison station's receptions.
- A verified resident is a citizen account made by the portal's one-time-code sign-in (username "c:…",
  `cityloop.portal.services.citizen_username`): the code proved the phone number or e-mail, with or without a
  ticket. Staff accounts are not residents here.
- A listed resident of an area is a verified resident whose phone or e-mail is on the resident list of a
  community in that area (`ListedResident.phone_account` / `email_account` hold the accounts of those contacts).
- A community's resident list is kept by its staff: community workers whose scope covers the community, and
  administrators.
"""

from typing import Any

from django.db.models import Q, QuerySet

from cityloop.core.trees import subtree_q
from cityloop.organisation.choices import Role
from cityloop.organisation.models import Area, Unit
from cityloop.participation.models import ListedResident
from cityloop.portal.services import CITIZEN_PREFIX
from cityloop.security.access import memberships_of


def is_verified_resident(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.get_username().startswith(CITIZEN_PREFIX)
                and not memberships_of(user))


def listed_entries(user: Any, area: Area) -> QuerySet[ListedResident]:
    """The rows of the resident lists of communities in `area` that the user's account is (none for others)."""
    if not is_verified_resident(user):
        return ListedResident.objects.none()
    username = user.get_username()
    return ListedResident.objects.filter(Q(phone_account=username) | Q(email_account=username),
                                         subtree_q("resident_list__community__path", area.path))


def runs_unit(user: Any, unit: Unit) -> bool:
    """A member of the unit or of a unit above it, or an administrator."""
    return any(m.role == Role.ADMIN or unit.path.startswith(m.unit.path) for m in memberships_of(user))


LIST_KEEPERS = (Role.ADMIN, Role.COMMUNITY_WORKER)


def keeps_resident_list(user: Any, community: Area) -> bool:
    """Community workers whose scope covers the community, and administrators."""
    return any(m.role == Role.ADMIN or (m.role == Role.COMMUNITY_WORKER and community.path.startswith(m.scope.path))
               for m in memberships_of(user))


def keeps_resident_lists(user: Any) -> bool:
    return any(m.role in LIST_KEEPERS for m in memberships_of(user))


def is_staff_member(user: Any) -> bool:
    return bool(memberships_of(user))
