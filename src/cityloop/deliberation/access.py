"""Who may run a deliberation: staff whose membership scope covers the topic's area (administrators anywhere).

Pure reads of memberships. Everyone, signed in or not, may read a public topic's history.
"""

from typing import Any

from cityloop.organisation.choices import Role
from cityloop.organisation.models import Area
from cityloop.security.access import memberships_of

MANAGING_ROLES = {Role.ADMIN, Role.SUPERVISOR, Role.COMMUNITY_WORKER, Role.GRID_WORKER}


def manages(user: Any, area: Area) -> bool:
    return any(m.role == Role.ADMIN or (m.role in MANAGING_ROLES and area.path.startswith(m.scope.path))
               for m in memberships_of(user))


def manages_any(user: Any) -> bool:
    return any(m.role in MANAGING_ROLES for m in memberships_of(user))
