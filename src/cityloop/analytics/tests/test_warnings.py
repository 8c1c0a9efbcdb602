"""Findings from counts, warnings recorded idempotently, and their workflow up to the effect measured."""

import datetime as dt
from typing import Any

import numpy as np
import pytest

from cityloop.analytics.analysis import Finding, find
from cityloop.analytics.counts import DailyCounts, Grids, daily_counts, local_midnight
from cityloop.analytics.models import WarningStatus
from cityloop.analytics.services import (
    _record,
    monthly_candidates,
    monthly_problem_assign,
    monthly_problems_choose,
    warning_acknowledge,
    warning_dismiss,
    warning_measure_effect,
    warning_task,
)
from cityloop.core import clock
from cityloop.core.errors import Conflict, InvalidInput
from cityloop.tickets.choices import Channel, Status
from cityloop.tickets.models import Ticket
from cityloop.tickets.services import PermissionDenied
from cityloop.tickets.tests.flows import new_ticket

PLAIN = "门口垃圾三天没人清运"  # no place name in the text: the ticket is placed in the grid by its point


def synthetic(T: int = 400, seed: int = 3, located: bool = True) -> DailyCounts:
    """Two categories x six grids in a row (1 km apart) in two streets; a burst in grid 4, a new problem in
    street 1. Not `located`: grids without coordinates."""
    rng = np.random.default_rng(seed)
    cube = rng.poisson(0.6, size=(2, 6, T)).astype(np.int32)
    cube[1] = 0
    cube[0, 4, -3:] += 7  # burst (集中性)
    cube[1, 3:, -20:] = rng.poisson(0.15, size=(3, 20))  # new problem (苗头性)
    cube[1, 3, -5:] += 1
    grids = Grids(np.arange(10, 16), [f"/{i}/" for i in range(6)], [f"g{i}" for i in range(6)],
                  np.array([0, 0, 0, 1, 1, 1]), [100, 101],
                  np.column_stack([114.30 + 0.01 * np.arange(6), np.full(6, 30.60)]) if located
                  else np.full((6, 2), np.nan))
    return DailyCounts(dt.date(2025, 1, 1), cube, [7, 8], grids)


@pytest.mark.parametrize("located", [True, False], ids=["scan", "per-grid"])
def test_burst_and_new_problem_found_without_false_alarms(located: bool) -> None:
    findings = find(synthetic(located=located), eval_days=7)
    kinds = {(f.kind, f.category_id, f.area_id) for f in findings}
    assert ("concentrated", 7, 14) in kinds
    assert ("emerging", 8, 101) in kinds
    assert not [f for f in findings if f.category_id == 7 and f.area_id != 14]  # no false alarm in the old category
    burst = next(f for f in findings if f.kind == "concentrated")
    assert burst.observed >= 21
    assert burst.expected < 5


def test_daily_counts_by_category_grid_and_local_day(world: Any) -> None:
    day = dt.date(2026, 3, 2)
    with clock.frozen_at(local_midnight(day) + dt.timedelta(hours=23, minutes=30)):
        new_ticket(world, description=PLAIN)
        new_ticket(world, description=PLAIN, latitude=30.605, longitude=114.325)
    counts = daily_counts(day - dt.timedelta(days=2), day)
    assert counts.cube.sum() == 2
    assert counts.cube[:, :, -1].sum() == 2  # 23:30 local time is still that day
    grid = list(counts.grids.ids).index(world.grid.pk)
    assert counts.cube[0, grid, -1] == 1


def _warning(world: Any) -> Any:
    finding = Finding("concentrated", world.category.pk, world.grid.pk, dt.date(2026, 3, 1), dt.date(2026, 3, 2),
                      1.5, 9, 6.2)
    return _record(dt.date(2026, 3, 2), finding)


def test_record_is_idempotent_per_day_kind_category_area(world: Any) -> None:
    first = _warning(world)
    again = _warning(world)
    assert first.pk == again.pk
    assert first.title.endswith("望江一网格 · 市容环卫")


def test_a_finding_that_goes_on_updates_its_warning(world: Any) -> None:
    first = _warning(world)  # 03-01..03-02, recorded on 03-02
    warning_dismiss(actor=world.users["analyst"], warning_id=first.pk, reason="已知施工，临时现象")
    going_on = Finding("concentrated", world.category.pk, world.grid.pk, dt.date(2026, 3, 2), dt.date(2026, 3, 4),
                       2.0, 14, 7.5)
    again = _record(dt.date(2026, 3, 4), going_on)
    assert again.pk == first.pk  # the same burst: no second warning to dismiss again
    assert (again.window_start, again.window_end, again.observed) == (dt.date(2026, 3, 1), dt.date(2026, 3, 4), 14)
    assert again.status == WarningStatus.DISMISSED
    later = Finding("concentrated", world.category.pk, world.grid.pk, dt.date(2026, 3, 20), dt.date(2026, 3, 21),
                    1.0, 8, 5.0)
    assert _record(dt.date(2026, 3, 21), later).pk != first.pk  # a new burst after a quiet spell: a new warning


def test_acknowledge_task_and_measure(world: Any) -> None:
    with clock.frozen_at(dt.datetime(2026, 3, 1, 2, tzinfo=dt.UTC)):
        ticket = new_ticket(world, description=PLAIN)
    with clock.frozen_at(dt.datetime(2026, 3, 3, 2, tzinfo=dt.UTC)):
        warning = _warning(world)
        assert warning.evidence["tickets"] == [ticket.pk]
        warning_acknowledge(actor=world.users["analyst"], warning_id=warning.pk)
        warning = warning_task(actor=world.users["dispatcher"], warning_id=warning.pk, unit_id=world.department.pk,
                               note="巡查并整治")
    assert warning.status == WarningStatus.TASKED
    task = Ticket.objects.get(pk=warning.task_id)
    assert task.channel == Channel.ANALYSIS
    assert task.status == Status.DISPATCHED
    assert task.unit_id == world.department.pk
    with clock.frozen_at(dt.datetime(2026, 3, 10, 2, tzinfo=dt.UTC)):
        new_ticket(world, description=PLAIN)
    with clock.frozen_at(dt.datetime(2026, 4, 10, 2, tzinfo=dt.UTC)):
        warning = warning_measure_effect(actor=world.users["analyst"], warning_id=warning.pk, weeks=4)
    assert warning.status == WarningStatus.MEASURED
    assert warning.effect["before"] == 1
    assert warning.effect["after"] == 1
    assert warning.effect["complete"] is True
    with pytest.raises(Conflict):
        warning_dismiss(actor=world.users["analyst"], warning_id=warning.pk, reason="late")


def test_dismiss_needs_a_reason_and_task_needs_dispatch_rights(world: Any) -> None:
    warning = _warning(world)
    with pytest.raises(InvalidInput):
        warning_dismiss(actor=world.users["analyst"], warning_id=warning.pk, reason=" ")
    with pytest.raises(PermissionDenied):
        warning_task(actor=world.users["analyst"], warning_id=warning.pk, unit_id=world.department.pk)
    assert Ticket.objects.filter(channel=Channel.ANALYSIS).count() == 0  # rolled back
    warning = warning_dismiss(actor=world.users["analyst"], warning_id=warning.pk, reason="施工临时噪声，已结束")
    assert warning.status == WarningStatus.DISMISSED


def test_monthly_problem_chosen_from_the_month_and_assigned(world: Any) -> None:
    with clock.frozen_at(dt.datetime(2026, 3, 5, 2, tzinfo=dt.UTC)):
        for _i in range(6):
            new_ticket(world)
    Ticket.objects.filter(pk__in=Ticket.objects.values("pk")[:3]).update(satisfaction="unsatisfied",
                                                                        reopen_count=1)
    candidates = monthly_candidates(month=dt.date(2026, 3, 1))
    assert [(c["area_id"], c["tickets"], c["unsatisfied"]) for c in candidates] == [(world.street.pk, 6, 3)]
    problems = monthly_problems_choose(actor=world.users["analyst"], month=dt.date(2026, 3, 1))
    assert len(problems) == 1
    problem = monthly_problem_assign(actor=world.users["supervisor"], problem_id=problems[0].pk,
                                     unit_id=world.street_office.pk)
    assert problem.lead_unit_id == world.street_office.pk
    assert monthly_candidates(month=dt.date(2026, 4, 1)) == []


def test_warning_pages_and_dismiss_through_the_page(world: Any) -> None:
    from django.test import Client
    from django.urls import reverse

    warning = _warning(world)
    client = Client()
    client.force_login(world.users["analyst"])
    assert warning.title in client.get(reverse("analytics:warnings")).content.decode()
    url = reverse("analytics:warning", args=[warning.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "dismiss", "reason": ""})
    assert response.status_code == 200  # the refusal is shown on the page
    assert client.post(url, {"action": "dismiss", "reason": "重复预警"}).status_code == 302
    warning.refresh_from_db()
    assert warning.status == WarningStatus.DISMISSED
    client.force_login(world.users["handler"])  # not an analyst: no warnings page
    assert client.get(url).status_code == 403
