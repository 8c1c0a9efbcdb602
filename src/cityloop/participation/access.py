"""Who may do what in participation. Pure reads of memberships; no writes.

- A consultation is run by its responsible office: members of that unit or of a unit above it, and
  administrators. The same rule, with the station's organising unit, for a liaison station's receptions.
- A verified resident is a citizen account made by the portal's one-time-code sign-in (username "c:…",
  see `cityloop.portal.services.citizen_account_for`): the code proved the phone number or e-mail. Staff
  accounts are not residents here. Participation cannot import the portal (import-linter layers), so the
  convention is read, not the function.
"""

from typing import Any

from cityloop.organisation.choices import Role
from cityloop.organisation.models import Unit
from cityloop.security.access import memberships_of

CITIZEN_PREFIX = "c:"


def is_verified_resident(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.get_username().startswith(CITIZEN_PREFIX)
                and not memberships_of(user))


def runs_unit(user: Any, unit: Unit) -> bool:
    """A member of the unit or of a unit above it, or an administrator."""
    return any(m.role == Role.ADMIN or unit.path.startswith(m.unit.path) for m in memberships_of(user))


def is_staff_member(user: Any) -> bool:
    return bool(memberships_of(user))
