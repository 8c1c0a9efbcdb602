"""Emerging topics in the tickets' text: a new matter is warned within three days of its first tickets, the
stable topics and one-off matters raise nothing, and the warning (with its tickets) is shown like the others."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from cityloop.analytics.counts import local_midnight
from cityloop.analytics.models import Warning, WarningKind
from cityloop.analytics.novelty import emerging_topics
from cityloop.analytics.services import analyse
from cityloop.analytics.tests.stream import NEW_DAY, START, is_new_topic, stream
from cityloop.tickets.models import Category, Ticket

DELAY = 3  # days after the first ticket of the new topic by which it is warned


def _day(k: int) -> dt.date:
    return START + dt.timedelta(days=k)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_new_topic_warned_within_three_days_and_stable_topics_quiet(seed: int) -> None:
    docs = stream(seed)
    new = {d.id for d in docs if is_new_topic(d)}
    first_warned = None
    for k in range(NEW_DAY - 10, NEW_DAY + DELAY + 1):
        topics = emerging_topics([d for d in docs if d.day <= _day(k)], _day(k))
        if k < NEW_DAY:
            assert topics == [], f"day {k}: {[t.terms for t in topics]}"  # nothing new yet: no warning
        for topic in topics:
            assert set(topic.tickets) <= new  # every topic found is the new one, never a stable one
            assert "充电" in topic.terms
            first_warned = k if first_warned is None else first_warned
    assert first_warned is not None
    assert first_warned <= NEW_DAY + DELAY


def test_too_little_history_says_nothing() -> None:
    docs = [d for d in stream(1) if d.day >= _day(NEW_DAY - 20)]
    assert emerging_topics(docs, _day(NEW_DAY + 5)) == []


def _load(world: Any, upto: int) -> dict[int, int]:
    """The stream's tickets up to day `upto` in the database, alternately in the world's two grids; returns
    stream id -> ticket pk."""
    categories = {k: Category.objects.create(code=f"09{k:02d}", name=f"类别{k}", level=1) for k in range(1, 7)}
    docs = [d for d in stream(1) if d.day <= _day(upto)]
    grids = [world.grid, world.other_grid]
    tickets = Ticket.objects.bulk_create([
        Ticket(channel="phone", ticket_type="complaint", title=d.title, description=d.description or d.title,
               category=categories[d.category_id] if d.category_id else None, area=grids[d.id % 2],
               area_path=grids[d.id % 2].path, created_at=local_midnight(d.day) + dt.timedelta(hours=10))
        for d in docs])
    return {d.id: t.pk for d, t in zip(docs, tickets, strict=True)}


def test_analyse_records_the_topic_with_its_tickets_and_shows_it(world: Any) -> None:
    ids = _load(world, NEW_DAY + DELAY + 1)
    new = {ids[d.id] for d in stream(1) if is_new_topic(d) and d.day <= _day(NEW_DAY + DELAY + 1)}
    analyse(day=_day(NEW_DAY - 1), history_days=60)
    assert not Warning.objects.filter(kind=WarningKind.EMERGING, evidence__has_key="terms").exists()
    analyse(day=_day(NEW_DAY + DELAY), history_days=60)
    topics = Warning.objects.filter(kind=WarningKind.EMERGING, evidence__has_key="terms")
    assert topics.count() >= 1
    warning = topics.order_by("-observed").first()
    assert warning is not None
    assert set(warning.evidence["tickets"]) <= new
    assert warning.observed == len(warning.evidence["tickets"]) >= 3
    assert warning.area_id == world.district.pk  # the smallest area holding both grids
    assert "充电" in warning.title

    # the next day the same topic grows: the same warning, more tickets, no second one for it
    before = warning.observed
    analyse(day=_day(NEW_DAY + DELAY + 1), history_days=60)
    warning.refresh_from_db()
    assert warning.observed > before
    assert Warning.objects.filter(kind=WarningKind.EMERGING, evidence__has_key="terms").count() == topics.count()

    client = Client()
    client.force_login(world.users["analyst"])
    listing = client.get(reverse("analytics:warnings")).content.decode()
    assert warning.title in listing
    detail = client.get(reverse("analytics:warning", args=[warning.pk])).content.decode()
    assert "充电" in detail
    shown = Ticket.objects.get(pk=warning.evidence["tickets"][0])
    assert shown.title in detail
