"""Small worlds with known answers, built straight as event-log arrays (no database)."""

import datetime as dt

import numpy as np

from cityloop.assessment import engine as E

UTC = dt.UTC
START, END = dt.datetime(2026, 10, 1, tzinfo=UTC), dt.datetime(2026, 11, 1, tzinfo=UTC)
AS_OF = dt.datetime(2026, 11, 5, tzinfo=UTC)
UNIT_A, UNIT_B = 10, 20


def t(day: int, hour: int = 9, month: int = 10) -> int:
    return E.epoch(dt.datetime(2026, month, day, hour, tzinfo=UTC))


class World:
    """Tickets described one by one; `log()` turns them into the engine's arrays."""

    def __init__(self) -> None:
        self.events: list[tuple[int, int, int, int, int, int]] = []
        self.tickets: list[dict[str, int]] = []

    def ticket(self, *, contact_due: int = E.NEVER, complete_due: int = E.NEVER, category: int = 1,
               street: int = 100, exempt_at: int = E.NEVER, unreachable_at: int = E.NEVER) -> int:
        self.tickets.append({"contact_due": contact_due, "complete_due": complete_due, "category": category,
                             "street": street, "exempt_at": exempt_at, "unreachable_at": unreachable_at})
        return len(self.tickets) - 1

    def ev(self, ticket: int, action: int, at: int, unit: int = E.MISSING, *, resolved: int = -1,
           satisfaction: int = 0) -> None:
        self.events.append((ticket, at, action, unit, resolved, satisfaction))

    def log(self) -> E.Log:
        ev = sorted(self.events)
        col = list(zip(*ev, strict=True)) if ev else [[]] * 6
        arr = {k: np.array([x[k] for x in self.tickets], dtype=np.int64)
               for k in ("contact_due", "complete_due", "category", "street", "exempt_at", "unreachable_at")}
        return E.Log(ev_ticket=np.array(col[0], dtype=np.int64), ev_at=np.array(col[1], dtype=np.int64),
                     ev_action=np.array(col[2], dtype=np.int8), ev_unit=np.array(col[3], dtype=np.int64),
                     ev_resolved=np.array(col[4], dtype=np.int8), ev_satisfaction=np.array(col[5], dtype=np.int8),
                     t_id=np.arange(len(self.tickets), dtype=np.int64) + 1, t_contact_due=arr["contact_due"],
                     t_complete_due=arr["complete_due"], t_category=arr["category"], t_street=arr["street"],
                     t_district=np.full(len(self.tickets), 7, dtype=np.int64), t_exempt_at=arr["exempt_at"],
                     t_unreachable_at=arr["unreachable_at"])

    def handled(self, unit: int, *, contact_late: bool = False, callback: tuple[int, int] | None = None,
                complete_late: bool = False, **kw: int) -> int:
        """Dispatched on the 2nd, contact due the 3rd, completion due the 10th."""
        i = self.ticket(contact_due=t(3), complete_due=t(10), **kw)
        self.ev(i, E.DISPATCH, t(2), unit)
        self.ev(i, E.CONTACT, t(4) if contact_late else t(2, 15))
        self.ev(i, E.COMPLETE, t(12) if complete_late else t(8))
        if callback is not None:
            self.ev(i, E.CALLBACK, t(13), resolved=callback[0], satisfaction=callback[1])
        return i


def figures(world: World) -> dict[tuple[str, int], dict[str, object]]:
    return E.compute(world.log(), START, END, AS_OF, E.Weights())


def test_ten_tickets_of_one_unit() -> None:
    """10 tickets: 8 contacted on time, 6 called back (4 resolved; 3 satisfied, 2 basically, 1 unsatisfied)."""
    w = World()
    answers = [(1, E.SAT_SATISFIED), (1, E.SAT_SATISFIED), (1, E.SAT_SATISFIED), (1, E.SAT_BASIC),
               (0, E.SAT_BASIC), (0, E.SAT_UNSATISFIED)]
    for i in range(10):
        w.handled(UNIT_A, contact_late=i >= 8, callback=answers[i] if i < 6 else None, complete_late=i == 9)
    f = figures(w)[("unit", UNIT_A)]
    assert (f["response_due"], f["responded"]) == (10, 8)
    assert (f["called_back"], f["resolved"], f["satisfied"], f["basically_satisfied"]) == (6, 4, 3, 2)
    assert f["response_rate"] == 0.8
    assert f["resolution_rate"] == round(4 / 6, 6)
    assert f["satisfaction_rate"] == round((3 + 0.8 * 2) / 6, 6)
    composite = 30 * 0.8 + 35 * round(4 / 6, 6) + 35 * round(4.6 / 6, 6)
    assert f["composite"] == round(composite, 4)
    assert (f["completion_due"], f["completed_on_time"], f["completed_late"]) == (10, 9, 1)
    assert f["on_time_rate"] == 0.9
    assert f["first_time_resolved"] == 4
    assert f["reopen_rate"] == 0.0
    assert f["rank"] == 1
    assert figures(w)[("city", 0)]["responded"] == 8


def test_open_overdue_counts_as_late() -> None:
    w = World()
    w.handled(UNIT_A)  # on time
    i = w.ticket(contact_due=t(3), complete_due=t(10))  # contacted, never completed: open overdue
    w.ev(i, E.DISPATCH, t(2), UNIT_A)
    w.ev(i, E.CONTACT, t(2, 10))
    j = w.ticket(contact_due=t(3), complete_due=t(20, month=11))  # due next month: not counted in October
    w.ev(j, E.DISPATCH, t(2), UNIT_A)
    f = figures(w)[("unit", UNIT_A)]
    assert (f["completion_due"], f["completed_on_time"], f["open_overdue"]) == (2, 1, 1)
    assert f["on_time_rate"] == 0.5
    # j was never contacted and its contact deadline passed: counted in the response rate, as not responded
    assert (f["response_due"], f["responded"]) == (3, 2)


def test_moved_between_units_counts_for_the_final_unit() -> None:
    w = World()
    i = w.ticket(contact_due=t(5), complete_due=t(10))
    w.ev(i, E.DISPATCH, t(2), UNIT_A)  # returned by A (no event of ours), re-dispatched to B
    w.ev(i, E.DISPATCH, t(4), UNIT_B)
    w.ev(i, E.CONTACT, t(4, 12))
    w.ev(i, E.COMPLETE, t(6))
    w.ev(i, E.CALLBACK, t(7), resolved=1, satisfaction=E.SAT_SATISFIED)
    f = figures(w)
    assert ("unit", UNIT_A) not in f
    assert f[("unit", UNIT_B)]["responded"] == 1
    assert f[("unit", UNIT_B)]["satisfied"] == 1


def test_reopened_counts_once_at_the_final_callback() -> None:
    w = World()
    i = w.ticket(contact_due=t(16), complete_due=t(25))
    w.ev(i, E.DISPATCH, t(2), UNIT_A)
    w.ev(i, E.CONTACT, t(2, 12))
    w.ev(i, E.COMPLETE, t(8))
    w.ev(i, E.CALLBACK, t(9), resolved=0, satisfaction=E.SAT_UNSATISFIED)
    w.ev(i, E.REOPEN, t(15))
    w.ev(i, E.CONTACT, t(15, 12))
    w.ev(i, E.COMPLETE, t(20))
    w.ev(i, E.CALLBACK, t(21), resolved=1, satisfaction=E.SAT_SATISFIED)
    f = figures(w)[("unit", UNIT_A)]
    assert (f["called_back"], f["resolved"], f["satisfied"], f["unsatisfied"]) == (1, 1, 1, 0)
    assert (f["reopened"], f["first_time_resolved"]) == (1, 0)
    assert f["reopen_rate"] == 1.0
    assert f["first_time_resolution_rate"] == 0.0
    assert f["response_due"] == 1  # the last assignment (the reopening) only


def test_reopened_but_not_called_back_again_is_not_counted() -> None:
    w = World()
    i = w.ticket(contact_due=t(16), complete_due=t(25, month=12))
    w.ev(i, E.DISPATCH, t(2), UNIT_A)
    w.ev(i, E.CALLBACK, t(9), resolved=0, satisfaction=E.SAT_UNSATISFIED)
    w.ev(i, E.REOPEN, t(15))
    assert figures(w)[("unit", UNIT_A)]["called_back"] == 0


def test_merged_and_exempted_tickets_leave_the_rates() -> None:
    w = World()
    w.handled(UNIT_A, callback=(1, E.SAT_SATISFIED))
    m = w.handled(UNIT_A, callback=(0, E.SAT_UNSATISFIED))
    w.ev(m, E.MERGE, t(2, 10))
    w.handled(UNIT_A, callback=(0, E.SAT_UNSATISFIED), exempt_at=t(20))
    w.handled(UNIT_A, callback=(0, E.SAT_UNSATISFIED), exempt_at=t(20, month=12))  # approved after as_of
    f = figures(w)[("unit", UNIT_A)]
    assert (f["called_back"], f["satisfied"], f["unsatisfied"], f["exempted"]) == (2, 1, 1, 1)
    assert f["satisfaction_rate"] == 0.5


def test_unreachable_is_not_unsatisfied() -> None:
    w = World()
    w.handled(UNIT_A, callback=(1, E.SAT_SATISFIED))
    w.handled(UNIT_A, unreachable_at=t(14))
    f = figures(w)[("unit", UNIT_A)]
    assert (f["called_back"], f["unreachable"], f["satisfaction_rate"]) == (1, 1, 1.0)


def test_events_after_as_of_are_ignored_and_ranking_by_composite() -> None:
    w = World()
    w.handled(UNIT_A, callback=(1, E.SAT_SATISFIED))
    w.handled(UNIT_B, contact_late=True, callback=(0, E.SAT_UNSATISFIED))
    late = w.ticket(contact_due=t(3), complete_due=t(10))
    w.ev(late, E.DISPATCH, t(2), UNIT_B)
    w.ev(late, E.CONTACT, t(2, 12))
    w.ev(late, E.CALLBACK, t(10, month=12), resolved=1, satisfaction=1)  # after as_of
    f = figures(w)
    assert f[("unit", UNIT_A)]["rank"] == 1
    assert f[("unit", UNIT_B)]["rank"] == 2
    assert f[("unit", UNIT_A)]["composite"] == 100.0
    assert f[("unit", UNIT_B)]["composite"] == 15.0  # response 1/2 * 30, resolution 0, satisfaction 0
    assert f[("unit", UNIT_B)]["called_back"] == 1


def test_weights_and_basic_weight_are_configurable() -> None:
    counts = dict.fromkeys(E.COUNTS, 0) | {"response_due": 4, "responded": 2, "called_back": 4, "resolved": 4,
                                           "satisfied": 2, "basically_satisfied": 2}
    r = E.rates(counts, E.Weights(20, 40, 40, 1.0))
    assert (r["response_rate"], r["resolution_rate"], r["satisfaction_rate"]) == (0.5, 1.0, 1.0)
    assert r["composite"] == 90.0
    empty = E.rates(dict.fromkeys(E.COUNTS, 0) | {"response_due": 2, "responded": 1}, E.Weights())
    assert empty["composite"] == 50.0
    assert empty["resolution_rate"] is None


def test_scopes_street_and_category() -> None:
    w = World()
    w.handled(UNIT_A, street=100, category=1)
    w.handled(UNIT_B, street=200, category=2)
    w.handled(UNIT_B, street=E.MISSING, category=E.MISSING)
    f = figures(w)
    assert f[("street", 100)]["response_due"] == 1
    assert f[("street", 200)]["response_due"] == 1
    assert f[("category", 2)]["response_due"] == 1
    assert f[("district", 7)]["response_due"] == 3
