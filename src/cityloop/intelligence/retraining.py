"""Training data from the platform's own history: closed tickets, labelled as they were finally handled."""

import datetime as dt
from collections import Counter

from django.utils.translation import gettext_noop

from cityloop.intelligence.classification.errors import InputError
from cityloop.tickets.choices import Status
from cityloop.tickets.models import Category, Ticket


def category_taxonomy(level: int) -> list[list[str]]:
    """The category tree as the classifier's `taxonomy` reads it, for labels at `level`: per category below that
    level, the code of its ancestor there (the label), then the names of the levels below down to it."""
    categories = {c.pk: c for c in Category.objects.only("pk", "code", "name", "path")}
    paths = []
    for category in categories.values():
        ids = [int(p) for p in category.path.split("/") if p]
        if len(ids) > level:
            paths.append([categories[ids[level - 1]].code, *(categories[pk].name for pk in ids[level:])])
    return paths


def closed_ticket_examples(*, label_field: str = "category", level: int = 2, since: str = "",
                           min_count: int = 5) -> tuple[list[str], list[str], list[str]]:
    """(titles, descriptions, labels) of closed tickets; category labels are codes at `level` (or shallower)."""
    tickets = Ticket.objects.filter(status=Status.CLOSED)
    if since:
        try:
            tickets = tickets.filter(closed_at__date__gte=dt.date.fromisoformat(since))
        except ValueError as exc:
            raise InputError(gettext_noop("--since must be a date like 2026-01-31, not %(value)s."),
                             value=since) from exc
    if level < 1:
        raise InputError(gettext_noop("--level must be 1 or more, not %(value)s."), value=level)
    codes = dict(Category.objects.values_list("pk", "code"))
    rows: list[tuple[str, str, str]] = []
    if label_field == "category":
        for title, description, path in tickets.filter(category__isnull=False).values_list(
                "title", "description", "category__path").iterator():
            parts = [p for p in path.split("/") if p]
            code = codes.get(int(parts[min(level, len(parts)) - 1])) if parts else None
            if code:
                rows.append((title, description, code))
    else:
        column = "ticket_type" if label_field == "type" else "urgency"
        rows = list(tickets.values_list("title", "description", column).iterator())
    counts = Counter(label for *_, label in rows)
    rows = [row for row in rows if counts[row[2]] >= min_count]
    if len({row[2] for row in rows}) < 2:
        raise InputError(gettext_noop("Too little history to train on: %(rows)d closed tickets in fewer than two "
                                      "labels with at least %(min)d tickets each."), rows=len(rows), min=min_count)
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
