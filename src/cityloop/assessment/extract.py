"""The extract the assessment engine reads: the event log and a few ticket columns as numpy arrays."""

import datetime as dt

import numpy as np
from django.db.models import Q

from cityloop.assessment.choices import CallbackOutcome, Decision
from cityloop.assessment.engine import ACTION_CODES, MISSING, NEVER, SAT_CODES, Log
from cityloop.assessment.models import UNREACHABLE_ATTEMPTS, CallbackAttempt, Exemption
from cityloop.organisation.choices import AREA_LEVELS, AreaKind
from cityloop.tickets.models import Ticket, TicketEvent

_DISTRICT = AREA_LEVELS.index(AreaKind.DISTRICT)
_STREET = AREA_LEVELS.index(AreaKind.STREET)


def _seconds(values: list[dt.datetime | None]) -> np.ndarray:
    return np.array([NEVER if v is None else int(v.timestamp()) for v in values], dtype=np.int64)


def _path_level(paths: np.ndarray, level: int) -> np.ndarray:
    """The id at `level` of each materialised path ("city/district/street/..."), MISSING when shorter."""
    uniq, inverse = np.unique(paths, return_inverse=True)
    ids = np.array([int(p.split("/")[level]) if p.count("/") > level else MISSING for p in uniq],
                   dtype=np.int64)
    return ids[inverse] if len(uniq) else np.zeros(0, dtype=np.int64)


def _per_ticket(index: dict[int, int], n: int, rows: list[tuple[int, dt.datetime | None]]) -> np.ndarray:
    out = np.full(n, NEVER, dtype=np.int64)
    for ticket_id, at in rows:
        if ticket_id in index and at is not None:
            out[index[ticket_id]] = min(out[index[ticket_id]], int(at.timestamp()))
    return out


def relevant_since(start: dt.datetime) -> Q:
    """Tickets that can count in a month starting at `start`: every measure of the month needs an event or a
    deadline at or after `start`, and the ticket row holds the latest of each (a later reassignment moves
    `dispatched_at` later still)."""
    attempts = CallbackAttempt.objects.filter(at__gte=start).values("ticket_id")
    return (Q(dispatched_at__gte=start) | Q(closed_at__gte=start) | Q(complete_due__gte=start)
            | Q(contact_due__gte=start) | Q(pk__in=attempts))


def load_log(*, as_of: dt.datetime, since: dt.datetime | None = None) -> Log:
    """Events up to `as_of` and the deadlines, category and place of every ticket (or only of those that can
    count in a month starting at `since`)."""
    rows = Ticket.objects.filter(relevant_since(since)) if since is not None else Ticket.objects.all()
    tickets = list(rows.order_by("pk").values_list("pk", "contact_due", "complete_due", "category_id",
                                                              "area_path", "completed_at"))
    t_id = np.array([t[0] for t in tickets], dtype=np.int64)
    index = {int(pk): i for i, pk in enumerate(t_id)}
    paths = np.array([t[4] or "" for t in tickets], dtype=object)
    events_of = TicketEvent.objects.filter(ticket__in=rows.values("pk")) if since is not None else TicketEvent.objects
    events = list(events_of.filter(action__in=list(ACTION_CODES), at__lte=as_of)
                  .order_by("ticket_id", "at", "pk")
                  .values_list("ticket_id", "action", "at", "data__unit", "data__resolved", "data__satisfaction"))
    ev_ticket = np.array([index[e[0]] for e in events], dtype=np.int64)
    ev_unit = np.array([MISSING if e[3] is None else int(e[3]) for e in events], dtype=np.int64)
    ev_resolved = np.array([-1 if e[4] is None else int(bool(e[4])) for e in events], dtype=np.int8)
    attempts = (CallbackAttempt.objects.filter(outcome=CallbackOutcome.UNREACHABLE, at__lte=as_of)
                .order_by("ticket_id", "at", "pk").values_list("ticket_id", "at"))
    # Only the round after the latest completion counts: a reopened ticket's earlier attempts ended in an answer.
    completed = {t[0]: t[5] for t in tickets}
    unreachable: list[tuple[int, dt.datetime | None]] = []
    seen: dict[int, int] = {}
    for ticket_id, at in attempts:
        start = completed.get(ticket_id)
        if start is None or at < start:
            continue
        seen[ticket_id] = seen.get(ticket_id, 0) + 1
        if seen[ticket_id] == UNREACHABLE_ATTEMPTS:
            unreachable.append((ticket_id, at))
    exempt = list(Exemption.objects.filter(decision=Decision.APPROVE, decided_at__lte=as_of)
                  .values_list("ticket_id", "decided_at"))
    return Log(
        ev_ticket=ev_ticket,
        ev_action=np.array([ACTION_CODES[e[1]] for e in events], dtype=np.int8),
        ev_at=_seconds([e[2] for e in events]),
        ev_unit=ev_unit, ev_resolved=ev_resolved,
        ev_satisfaction=np.array([SAT_CODES.get(e[5] or "", 0) for e in events], dtype=np.int8),
        t_id=t_id,
        t_contact_due=_seconds([t[1] for t in tickets]),
        t_complete_due=_seconds([t[2] for t in tickets]),
        t_category=np.array([MISSING if t[3] is None else t[3] for t in tickets], dtype=np.int64),
        t_street=_path_level(paths, _STREET), t_district=_path_level(paths, _DISTRICT),
        t_exempt_at=_per_ticket(index, len(t_id), exempt),
        t_unreachable_at=_per_ticket(index, len(t_id), unreachable),
    )
