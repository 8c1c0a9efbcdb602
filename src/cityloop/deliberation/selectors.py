"""Reads for community deliberation."""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np
from django.db.models import Count, Q, QuerySet

from cityloop.core.errors import NotFound
from cityloop.deliberation.access import manages
from cityloop.deliberation.choices import StatementStatus
from cityloop.deliberation.consensus import Analysis, analyse, vote_matrix
from cityloop.deliberation.models import (
    CommunityNeed,
    CommunityTask,
    OrganisationService,
    Statement,
    StatementVote,
    Topic,
)
from cityloop.organisation.choices import AreaKind
from cityloop.organisation.models import Area


def topics_visible(user: Any) -> QuerySet[Topic]:
    """Public topics for everyone, and every topic in the areas the user manages."""
    queryset = Topic.objects.select_related("area")
    managed = [t.pk for t in queryset.filter(public=False) if manages(user, t.area)]
    return queryset.filter(Q(public=True) | Q(pk__in=managed))


def topic_get(user: Any, pk: int) -> Topic:
    topic = topics_visible(user).filter(pk=pk).first()
    if topic is None:
        raise NotFound("Not found.")
    return topic


def topic_history(topic: Topic) -> list[dict[str, Any]]:
    """What happened on the topic, oldest first: the public record a citizen sees."""
    events: list[dict[str, Any]] = [{"at": topic.created_at, "kind": "topic", "object": topic}]
    events += [{"at": m.starts_at, "kind": "meeting", "object": m} for m in topic.meetings.all()]
    events += [{"at": v.published_at, "kind": "vote", "object": v} for v in topic.votes.exclude(published_at=None)]
    for resolution in topic.resolutions.all():
        events.append({"at": resolution.created_at, "kind": "resolution", "object": resolution})
        events += [{"at": n.at, "kind": "progress", "object": n, "resolution": resolution}
                   for n in resolution.notes.all()]
    return sorted(events, key=lambda e: e["at"])


def deliberation_analysis(topic: Topic) -> tuple[Analysis, list[Statement], list[int]]:
    """The opinion groups of a topic's online deliberation, over its approved statements."""
    statements = list(topic.statements.filter(status=StatementStatus.APPROVED).order_by("pk"))
    column = {s.pk: j for j, s in enumerate(statements)}
    votes = list(StatementVote.objects.filter(statement__in=statements).values_list("participant_id",
                                                                                   "statement_id", "value"))
    people = sorted({p for p, _s, _v in votes})
    row = {p: i for i, p in enumerate(people)}
    rows = np.array([row[p] for p, _s, _v in votes], dtype=np.int64)
    cols = np.array([column[s] for _p, s, _v in votes], dtype=np.int64)
    values = np.array([v for _p, _s, v in votes], dtype=np.float64)
    matrix = vote_matrix(rows, cols, values, (len(people), len(statements)))
    return analyse(matrix), statements, people


def deliberation_chart(analysis: Analysis) -> dict[str, Any]:
    """ECharts scatter series, one per opinion group (participants stay anonymous)."""
    series = []
    for group in range(analysis.k):
        points = analysis.coordinates[analysis.labels == group]
        series.append({"name": f"{group + 1}", "type": "scatter", "symbolSize": 8,
                       "data": [[round(float(x), 3), round(float(y), 3)] for x, y in points]})
    return {"xAxis": {"type": "value"}, "yAxis": {"type": "value"}, "legend": {}, "tooltip": {},
            "series": series}


def deliberation_csv(topic: Topic) -> str:
    """One row per approved statement: votes, agree share per group, group-informed consensus, consensus flag."""
    analysis, statements, _people = deliberation_analysis(topic)
    counts = {row["statement_id"]: row for row in StatementVote.objects.filter(statement__in=statements)
              .values("statement_id").annotate(agree=Count("pk", filter=Q(value=1)),
                                               disagree=Count("pk", filter=Q(value=-1)),
                                               passed=Count("pk", filter=Q(value=0)))}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["statement_id", "text", "agree", "disagree", "pass",
                     *[f"group_{g + 1}_agree_p" for g in range(analysis.k)], "group_informed_consensus",
                     "consensus"])
    for j, statement in enumerate(statements):
        row = counts.get(statement.pk, {"agree": 0, "disagree": 0, "passed": 0})
        groups = [f"{analysis.agree_prob[g, j]:.3f}" for g in range(analysis.k)] if analysis.k else []
        gic = f"{analysis.gic[j]:.4f}" if len(analysis.gic) else ""
        writer.writerow([statement.pk, statement.text, row["agree"], row["disagree"], row["passed"], *groups, gic,
                         "yes" if j in analysis.consensus else ""])
    return out.getvalue()


def community_workload() -> list[dict[str, Any]]:
    """Open and done assisted-matter tasks per community."""
    rows = (CommunityTask.objects.values("community_id", "community__name")
            .annotate(open=Count("pk", filter=Q(done=False)), done=Count("pk", filter=Q(done=True)))
            .order_by("-open", "community__name"))
    return list(rows)


def service_matches(community: Area) -> list[dict[str, Any]]:
    """For each need of the community, the social organisations offering a service of the same category."""
    if community.kind != AreaKind.COMMUNITY:
        return []
    result = []
    for need in CommunityNeed.objects.filter(community=community).order_by("category", "pk"):
        offers = OrganisationService.objects.filter(category=need.category).select_related("organisation")
        result.append({"need": need, "offers": list(offers)})
    return result
