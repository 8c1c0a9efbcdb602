"""The assessment figures, computed column-wise (numpy) from the ticket event log.

`Log` holds the events (sorted by ticket, time, id) and a few per-ticket columns as arrays; `ticket_measures()`
decides for each ticket and month whether and how it counts; `aggregate()` sums the measures per scope with
`np.bincount`. No per-ticket Python loop: a million tickets take about a second. The rules are written down in
docs/assessment.md and must stay in step with this module.
"""

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

# Event actions as small integers.
DISPATCH, ARBITRATE, REOPEN, CONTACT, COMPLETE, CALLBACK, MERGE = 1, 2, 3, 4, 5, 6, 7
ACTION_CODES = {"dispatch": DISPATCH, "arbitrate": ARBITRATE, "reopen": REOPEN, "contact": CONTACT,
                "complete": COMPLETE, "callback": CALLBACK, "merge": MERGE}
SAT_NONE, SAT_SATISFIED, SAT_BASIC, SAT_UNSATISFIED = 0, 1, 2, 3
SAT_CODES = {"": SAT_NONE, "satisfied": SAT_SATISFIED, "basically_satisfied": SAT_BASIC,
             "unsatisfied": SAT_UNSATISFIED}
NEVER = np.iinfo(np.int64).max  # a missing time: after everything
MISSING = -1  # a missing id

COUNTS = ("response_due", "responded", "called_back", "resolved", "satisfied", "basically_satisfied",
          "unsatisfied", "first_time_resolved", "reopened", "completion_due", "completed_on_time",
          "completed_late", "open_overdue", "exempted", "unreachable")


@dataclass
class Log:
    """The extract: events (one row each) and tickets (one row each); times are Unix seconds."""

    ev_ticket: np.ndarray  # int64 index into the ticket arrays; events sorted by (ticket, time, id)
    ev_action: np.ndarray  # int8 action code
    ev_at: np.ndarray  # int64
    ev_unit: np.ndarray  # int64 unit id of dispatch / arbitrate events, else MISSING
    ev_resolved: np.ndarray  # int8 1 / 0 for callbacks, else -1
    ev_satisfaction: np.ndarray  # int8 SAT_* for callbacks
    t_id: np.ndarray  # int64 ticket ids
    t_contact_due: np.ndarray  # int64, NEVER when unset
    t_complete_due: np.ndarray  # int64, NEVER when unset
    t_category: np.ndarray  # int64, MISSING when unset
    t_street: np.ndarray  # int64 area id, MISSING when the ticket is above street level
    t_district: np.ndarray  # int64
    t_exempt_at: np.ndarray  # int64 when an exemption was approved, NEVER if none
    t_unreachable_at: np.ndarray  # int64 the unreachable attempt that made it count as unreachable, NEVER if none
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.t_id)


def epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _last_per_ticket(log: Log, mask: np.ndarray) -> np.ndarray:
    """The position of each ticket's last event matching `mask`, -1 where there is none."""
    out = np.full(log.n, -1, dtype=np.int64)
    pos = np.flatnonzero(mask)
    if len(pos):
        tk = log.ev_ticket[pos]
        last = np.r_[tk[1:] != tk[:-1], True]
        out[tk[last]] = pos[last]
    return out


def _first_per_ticket(log: Log, mask: np.ndarray) -> np.ndarray:
    out = np.full(log.n, -1, dtype=np.int64)
    pos = np.flatnonzero(mask)
    if len(pos):
        tk = log.ev_ticket[pos]
        first = np.r_[True, tk[1:] != tk[:-1]]
        out[tk[first]] = pos[first]
    return out


def _take(values: np.ndarray, pos: np.ndarray, default: int) -> np.ndarray:
    return np.where(pos >= 0, values[np.maximum(pos, 0)], default)


@dataclass
class Measures:
    """Per ticket: its final unit and whether it counts in each measure of the month (boolean columns)."""

    unit: np.ndarray
    flags: dict[str, np.ndarray]


def ticket_measures(log: Log, start: dt.datetime, end: dt.datetime, as_of: dt.datetime) -> Measures:
    """Which tickets count in which measure for the month [start, end), looking at events up to `as_of`."""
    p0, p1, now = epoch(start), epoch(end), epoch(min(as_of, end))
    seen = log.ev_at <= epoch(as_of)
    act = np.where(seen, log.ev_action, 0)

    # The final unit: the unit of the last dispatch or arbitration; a return counts against nobody.
    last_dispatch = _last_per_ticket(log, (act == DISPATCH) | (act == ARBITRATE))
    unit = _take(log.ev_unit, last_dispatch, MISSING)
    # The last assignment (dispatch, arbitration or reopening) starts the clocks the ticket row holds.
    last_assign = _last_per_ticket(log, (act == DISPATCH) | (act == ARBITRATE) | (act == REOPEN))
    assigned_at = _take(log.ev_at, last_assign, NEVER)
    after_assign = np.arange(len(act)) > last_assign[log.ev_ticket]
    contact_at = _take(log.ev_at, _first_per_ticket(log, (act == CONTACT) & after_assign), NEVER)
    complete_at = _take(log.ev_at, _first_per_ticket(log, (act == COMPLETE) & after_assign), NEVER)
    last_callback = _last_per_ticket(log, (act == CALLBACK) & after_assign)
    callback_at = _take(log.ev_at, last_callback, NEVER)
    resolved = _take(log.ev_resolved, last_callback, -1) == 1
    satisfaction = _take(log.ev_satisfaction, last_callback, SAT_NONE)
    reopens = np.bincount(log.ev_ticket[act == REOPEN], minlength=log.n)
    merged = np.bincount(log.ev_ticket[act == MERGE], minlength=log.n) > 0

    counted = (unit != MISSING) & ~merged
    exempt = log.t_exempt_at <= epoch(as_of)

    # Response: the last assignment falls in the month and its contact is settled (done, or its deadline passed).
    in_month = (assigned_at >= p0) & (assigned_at < p1)
    contacted = contact_at <= now
    response_due = in_month & (contacted | (log.t_contact_due < now))
    responded = response_due & contacted & (contact_at <= log.t_contact_due)
    # Callback: the final callback (none after it reopened the ticket) falls in the month.
    called_back = (callback_at >= p0) & (callback_at < p1)
    # On-time completion: the completion deadline falls in the month and has passed or been met.
    due_in_month = (log.t_complete_due >= p0) & (log.t_complete_due < p1)
    completed = complete_at <= now
    completion_due = due_in_month & (completed | (log.t_complete_due < now))
    on_time = completion_due & completed & (complete_at <= log.t_complete_due)
    late = completion_due & completed & ~on_time
    open_overdue = completion_due & ~completed
    unreachable = (log.t_unreachable_at >= p0) & (log.t_unreachable_at < p1) & ~called_back

    keep = counted & ~exempt
    flags = {
        "response_due": keep & response_due, "responded": keep & responded,
        "called_back": keep & called_back, "resolved": keep & called_back & resolved,
        "satisfied": keep & called_back & (satisfaction == SAT_SATISFIED),
        "basically_satisfied": keep & called_back & (satisfaction == SAT_BASIC),
        "unsatisfied": keep & called_back & (satisfaction == SAT_UNSATISFIED),
        "first_time_resolved": keep & called_back & resolved & (reopens == 0),
        "reopened": keep & called_back & (reopens > 0),
        "completion_due": keep & completion_due, "completed_on_time": keep & on_time,
        "completed_late": keep & late, "open_overdue": keep & open_overdue,
        "exempted": counted & exempt & (response_due | called_back | completion_due),
        "unreachable": keep & unreachable,
    }
    return Measures(unit, flags)


@dataclass(frozen=True)
class Weights:
    response: float = 30.0
    resolution: float = 35.0
    satisfaction: float = 35.0
    basic_satisfied: float = 0.8


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 6) if whole else None


def rates(counts: dict[str, int], weights: Weights) -> dict[str, float | None]:
    """The rates of one scope from its counts (the formulas of docs/assessment.md)."""
    called = counts["called_back"]
    response = _ratio(counts["responded"], counts["response_due"])
    resolution = _ratio(counts["resolved"], called)
    satisfaction = _ratio(counts["satisfied"] + weights.basic_satisfied * counts["basically_satisfied"], called)
    parts = [(w, r) for w, r in ((weights.response, response), (weights.resolution, resolution),
                                 (weights.satisfaction, satisfaction)) if r is not None]
    total_weight = sum(w for w, _r in parts)
    composite = round(100 * sum(w * r for w, r in parts) / total_weight, 4) if total_weight else None
    return {
        "response_rate": response, "resolution_rate": resolution, "satisfaction_rate": satisfaction,
        "composite": composite,
        "on_time_rate": _ratio(counts["completed_on_time"], counts["completion_due"]),
        "first_time_resolution_rate": _ratio(counts["first_time_resolved"], called),
        "reopen_rate": _ratio(counts["reopened"], called),
    }


def aggregate(measures: Measures, keys: np.ndarray) -> dict[int, dict[str, int]]:
    """Sum every measure per key (an id per ticket, MISSING for none); scopes with nothing to count are left out."""
    valid = keys != MISSING
    ids = keys[valid]
    if len(ids) and ids.min() >= 0 and ids.max() < 4 * len(keys) + 1_000_000:
        # small non-negative ids (database keys): count straight by id, no sort
        uniq, inverse = np.arange(ids.max() + 1), ids
    else:
        uniq, inverse = np.unique(ids, return_inverse=True)
    sums = {name: np.bincount(inverse, weights=flag[valid], minlength=len(uniq)).astype(np.int64)
            for name, flag in measures.flags.items()}
    any_count = np.zeros(len(uniq), dtype=bool)
    for values in sums.values():
        any_count |= values > 0
    return {int(uniq[i]): {name: int(sums[name][i]) for name in COUNTS}
            for i in np.flatnonzero(any_count)}


def scope_keys(log: Log, measures: Measures) -> dict[str, np.ndarray]:
    return {"city": np.zeros(log.n, dtype=np.int64), "district": log.t_district, "street": log.t_street,
            "unit": measures.unit, "category": log.t_category}


def compute(log: Log, start: dt.datetime, end: dt.datetime, as_of: dt.datetime,
            weights: Weights) -> dict[tuple[str, int], dict[str, object]]:
    """Every scope's counts, rates and (for units) rank by composite score: {(scope kind, id): figures}."""
    measures = ticket_measures(log, start, end, as_of)
    out: dict[tuple[str, int], dict[str, object]] = {}
    for kind, keys in scope_keys(log, measures).items():
        cells = aggregate(measures, keys)
        for scope_id, counts in cells.items():
            out[(kind, scope_id)] = {**counts, **rates(counts, weights)}
        ranked = sorted(cells, key=lambda s: (-(out[(kind, s)]["composite"] or -1.0), s))  # type: ignore[operator]
        for rank, scope_id in enumerate(ranked, start=1):
            out[(kind, scope_id)]["rank"] = rank
    return out
