"""Who may do what: each role's permissions and how its scope is measured. Pure data, read by the gates.

A role's scope is either its membership's area subtree ("area": the tickets located there) or its unit
subtree ("unit": the tickets its unit or a unit below it handles, as primary or co-handler).
"""

from cityloop.organisation.choices import Role

VIEW = "ticket.view"
CREATE = "ticket.create"
ANSWER = "ticket.answer"
DISPATCH = "ticket.dispatch"
ARBITRATE = "ticket.arbitrate"
SIGN = "ticket.sign"
RETURN = "ticket.return"
HANDLE = "ticket.handle"
REVIEW_EXTENSION = "ticket.review_extension"
CALLBACK = "ticket.callback"
REOPEN = "ticket.reopen"
MERGE = "ticket.merge"
INVALIDATE = "ticket.invalidate"
SUPERVISE = "ticket.supervise"
VIEW_CONTACT = "ticket.view_contact"
# Keeping the network's registers (surveys, ratings, members, projects, imports): those who work the grid and the
# community, their leaders and administrators; seeing them needs only VIEW.
NETWORK_EDIT = "network.edit"

AREA, UNIT = "area", "unit"

ROLE_GRANTS: dict[str, tuple[str, frozenset[str]]] = {
    Role.OPERATOR: (AREA, frozenset({VIEW, VIEW_CONTACT, CREATE, ANSWER, CALLBACK, REOPEN, MERGE, INVALIDATE})),
    Role.DISPATCHER: (AREA, frozenset({VIEW, VIEW_CONTACT, CREATE, DISPATCH, MERGE, INVALIDATE})),
    Role.HANDLER: (UNIT, frozenset({VIEW, VIEW_CONTACT, SIGN, RETURN, HANDLE})),
    Role.SUPERVISOR: (AREA, frozenset({VIEW, SUPERVISE, REVIEW_EXTENSION, ARBITRATE, REOPEN, INVALIDATE,
                                       NETWORK_EDIT})),
    Role.ANALYST: (AREA, frozenset({VIEW})),
    Role.GRID_WORKER: (AREA, frozenset({VIEW, CREATE, NETWORK_EDIT})),
    Role.COMMUNITY_WORKER: (AREA, frozenset({VIEW, CREATE, NETWORK_EDIT})),
    Role.DEPUTY: (AREA, frozenset({CREATE})),
    Role.ADMIN: (AREA, frozenset({VIEW, VIEW_CONTACT, CREATE, ANSWER, DISPATCH, ARBITRATE, REVIEW_EXTENSION,
                                  CALLBACK, REOPEN, MERGE, INVALIDATE, SUPERVISE, NETWORK_EDIT})),
}

# What any signed-in person may do with the tickets they reported themselves.
OWNER_PERMISSIONS = frozenset({VIEW, VIEW_CONTACT, CREATE, CALLBACK})
