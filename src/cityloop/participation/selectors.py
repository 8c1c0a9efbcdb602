"""Reads of participation beyond one row: public pages, the analysis, the feedback report, figures."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from cityloop.core import clock
from cityloop.core.errors import NotFound
from cityloop.core.trees import subtree_q
from cityloop.organisation.choices import AreaKind, Role
from cityloop.organisation.models import Area
from cityloop.participation.access import LIST_KEEPERS, keeps_resident_list, runs_unit
from cityloop.participation.choices import Decision, Phase, QuestionKind, Stance
from cityloop.participation.models import (
    Answer,
    Consultation,
    Deputy,
    DraftVersion,
    ListedResident,
    Opinion,
    OpinionGroup,
    Reception,
    ReceptionIssue,
    ReceptionRecord,
    ResidentList,
    Section,
    Survey,
)
from cityloop.participation.residents import rejection_text
from cityloop.security.access import memberships_of
from cityloop.security.masking import mask_email, mask_name, mask_phone
from cityloop.tickets.choices import Status


def consultation_list_public() -> QuerySet[Consultation]:
    return Consultation.objects.exclude(phase=Phase.DRAFT).select_related("office")


def consultation_get(user: Any, consultation_id: int) -> Consultation:
    """A consultation the public may see (not a draft still in preparation), or any for its office's staff."""
    consultation = Consultation.objects.select_related("office").filter(pk=consultation_id).first()
    if consultation is None or (consultation.phase == Phase.DRAFT and not runs_unit(user, consultation.office)):
        raise NotFound(_("Not found."))
    return consultation


def consultation_can_run(user: Any, consultation: Consultation) -> bool:
    return runs_unit(user, consultation.office)


def survey_can_run(user: Any, survey: Survey) -> bool:
    """Those who run the survey's consultation; a survey of no consultation, administrators."""
    if survey.consultation is not None:
        return consultation_can_run(user, survey.consultation)
    return any(m.role == Role.ADMIN for m in memberships_of(user))


def version_current(consultation: Consultation) -> DraftVersion | None:
    return (consultation.versions.order_by("-number")
            .prefetch_related(Prefetch("sections", Section.objects.order_by("position"))).first())


def comments_open(consultation: Consultation) -> bool:
    now = clock.now()
    return consultation.phase == Phase.OPEN and consultation.opens_at <= now <= consultation.closes_at


def opinion_list_public(consultation: Consultation) -> QuerySet[Opinion]:
    """Visible opinions, most supported first."""
    return (Opinion.objects.filter(consultation=consultation, hidden=False)
            .annotate(support_total=Count("supports")).select_related("section")
            .order_by("-support_total", "created_at", "id"))


@dataclass
class Analysis:
    groups: list[OpinionGroup]
    ungrouped: list[Opinion]
    stance_by_section: list[tuple[str, dict[str, int]]]
    most_supported: list[Opinion]
    total: int


def consultation_analysis(consultation: Consultation) -> Analysis:
    opinions: list[Any] = list(Opinion.objects.filter(consultation=consultation)
                               .annotate(support_total=Count("supports"))
                               .select_related("section", "contact_point").order_by("id"))
    by_group: dict[int, list[Opinion]] = {}
    ungrouped = []
    for opinion in opinions:
        if opinion.group_id is None:
            ungrouped.append(opinion)
        else:
            by_group.setdefault(opinion.group_id, []).append(opinion)
    groups = list(OpinionGroup.objects.filter(consultation=consultation).order_by("id"))
    for group in groups:
        group.members = by_group.get(group.pk, [])  # type: ignore[attr-defined]
    groups = [g for g in groups if g.members]  # type: ignore[attr-defined]
    stances: dict[str, Counter[str]] = {}
    for opinion in opinions:
        if opinion.hidden:
            continue
        key = str(opinion.section) if opinion.section else _("Whole draft")
        stances.setdefault(key, Counter())[opinion.stance] += 1
    stance_rows = [(key, {s: counts.get(s, 0) for s in Stance.values}) for key, counts in stances.items()]
    visible = [o for o in opinions if not o.hidden]
    most = sorted(visible, key=lambda o: (-o.support_total, o.pk))[:5]  # type: ignore[attr-defined]
    top: list[Opinion] = [o for o in most if o.support_total]  # type: ignore[attr-defined]
    return Analysis(groups, ungrouped, stance_rows, top, len(opinions))


@dataclass
class ReportRow:
    number: int
    opinion: Opinion
    status: str
    decision: str
    decision_label: str
    reason: str


def report_rows(consultation: Consultation) -> list[ReportRow]:
    """Every opinion of the consultation exactly once, in the order received, with its status and decision."""
    labels = dict(Decision.choices)
    rows = []
    opinions = (Opinion.objects.filter(consultation=consultation).select_related("section", "group")
                .order_by("created_at", "id"))
    for number, opinion in enumerate(opinions, start=1):
        status = []
        if opinion.group_id is not None:
            status.append(_("answered with group G%(id)d") % {"id": opinion.group_id})
        if opinion.hidden:
            status.append(_("hidden: %(reason)s") % {"reason": opinion.hidden_reason})
        if opinion.late:
            status.append(_("received after the comment period"))
        decision = opinion.effective_decision
        rows.append(ReportRow(number, opinion, "; ".join(status), decision, str(labels.get(decision, "")),
                              opinion.effective_reason))
    return rows


def report_counts(rows: list[ReportRow]) -> dict[str, int]:
    counts = Counter(row.decision for row in rows)
    return {str(label): counts.get(value, 0) for value, label in Decision.choices}


# --- surveys -------------------------------------------------------------------------------------------------


def survey_get(survey_id: int) -> Survey:
    survey = Survey.objects.filter(pk=survey_id).select_related("residents_of").prefetch_related("questions").first()
    if survey is None:
        raise NotFound(_("Not found."))
    return survey


def survey_results(survey: Survey) -> list[dict[str, Any]]:
    """Per question: option labels and counts (choice and scale questions) or the texts (free text)."""
    answers: dict[int, list[Answer]] = {}
    for answer in Answer.objects.filter(response__survey=survey).order_by("id"):
        answers.setdefault(answer.question_id, []).append(answer)
    results = []
    for question in survey.questions.all().order_by("position"):
        rows = answers.get(question.pk, [])
        item: dict[str, Any] = {"question": question, "id": question.pk, "kind": question.kind}
        if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            counts = Counter(i for a in rows for i in a.choices)
            item["labels"] = list(question.options)
            item["counts"] = [counts.get(i, 0) for i in range(len(question.options))]
        elif question.kind == QuestionKind.SCALE:
            counts = Counter(a.scale for a in rows if a.scale is not None)
            item["labels"] = [str(i) for i in range(1, question.scale_max + 1)]
            item["counts"] = [counts.get(i, 0) for i in range(1, question.scale_max + 1)]
        else:
            item["texts"] = [a.text for a in rows if a.text]
        if "counts" in item:
            item["pairs"] = list(zip(item["labels"], item["counts"], strict=True))
        results.append(item)
    return results


def survey_csv_rows(survey: Survey) -> list[list[str]]:
    """One row per response: the time, then each question's answer as text (options by label)."""
    questions = list(survey.questions.all().order_by("position"))
    header = [_("answered at"), *[q.text for q in questions]]
    by_response: dict[int, dict[int, Answer]] = {}
    times: dict[int, str] = {}
    for answer in Answer.objects.filter(response__survey=survey).select_related("response").order_by("id"):
        by_response.setdefault(answer.response_id, {})[answer.question_id] = answer
        times[answer.response_id] = f"{answer.response.created_at:%Y-%m-%d %H:%M}"
    rows = [header]
    for response_id, answers in by_response.items():
        row = [times[response_id]]
        for question in questions:
            found = answers.get(question.pk)
            if found is None:
                row.append("")
            elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
                row.append("; ".join(question.options[i] for i in found.choices))
            elif question.kind == QuestionKind.SCALE:
                row.append("" if found.scale is None else str(found.scale))
            else:
                row.append(found.text)
        rows.append(row)
    return rows


# --- resident lists ------------------------------------------------------------------------------------------


def resident_communities(user: Any) -> list[Area]:
    """The communities whose resident lists the user keeps, each with `resident_list` (or None) and `listed`."""
    scopes = [m.scope.path for m in memberships_of(user) if m.role in LIST_KEEPERS]
    if not scopes:
        return []
    within = Q()
    for path in scopes:
        within |= subtree_q("path", path)
    communities = list(Area.objects.filter(within, kind=AreaKind.COMMUNITY).order_by("path"))
    communities = [c for c in communities if keeps_resident_list(user, c)]
    lists = {r.community_id: r for r in ResidentList.objects.filter(community__in=communities)
             .annotate(listed=Count("residents")).select_related("imported_by")}
    for community in communities:
        community.resident_list = lists.get(community.pk)  # type: ignore[attr-defined]
    return communities


def resident_community_get(user: Any, community_id: int) -> tuple[Area, ResidentList | None]:
    """A community whose list the user keeps, and its list; NotFound alike when missing and when not theirs."""
    community = Area.objects.filter(pk=community_id, kind=AreaKind.COMMUNITY).first()
    if community is None or not keeps_resident_list(user, community):
        raise NotFound(_("Not found."))
    return community, ResidentList.objects.filter(community=community).select_related("imported_by").first()


@dataclass
class ListedRow:
    """A listed resident as staff see one: contacts masked, and whether the person has verified."""

    row: int
    name: str
    phone: str
    email: str
    building: str
    unit: str
    verified: bool


def listed_rows(residents: Iterable[ListedResident]) -> list[ListedRow]:
    """The residents masked for display; one query tells which of them have signed in with a listed contact."""
    residents = list(residents)
    keys = {key for r in residents for key in (r.phone_account, r.email_account) if key}
    accounts = set(get_user_model().objects.filter(username__in=keys).values_list("username", flat=True))
    return [ListedRow(r.row, mask_name(r.name), mask_phone(r.phone) if r.phone else "",
                      mask_email(r.email) if r.email else "", r.building, r.unit,
                      bool(accounts & {r.phone_account, r.email_account})) for r in residents]


def rejected_rows(resident_list: ResidentList) -> list[dict[str, Any]]:
    return [{**item, "reason": rejection_text(item)} for item in resident_list.rejected]


# --- joint reception -----------------------------------------------------------------------------------------


def reception_list_upcoming() -> QuerySet[Reception]:
    return (Reception.objects.filter(cancelled=False, ends_at__gte=clock.now())
            .select_related("station").prefetch_related("deputies").order_by("starts_at"))


def reception_get(reception_id: int) -> Reception:
    reception = (Reception.objects.select_related("station__unit").prefetch_related("deputies")
                 .filter(pk=reception_id).first())
    if reception is None:
        raise NotFound(_("Not found."))
    return reception


def reception_slots(reception: Reception) -> list[Any]:
    slots = list(reception.slots.annotate(booked=Count("bookings")).order_by("starts_at"))
    for slot in slots:
        slot.left = max(slot.capacity - slot.booked, 0)  # type: ignore[attr-defined]
    return slots


def reception_record_get(reception: Reception) -> ReceptionRecord | None:
    return ReceptionRecord.objects.filter(reception=reception).prefetch_related("received_by").first()


def deputy_get(deputy_id: int) -> Deputy:
    deputy = Deputy.objects.select_related("station__unit").filter(pk=deputy_id).first()
    if deputy is None:
        raise NotFound(_("Not found."))
    return deputy


def deputy_can_follow(user: Any, deputy: Deputy) -> bool:
    """The deputy, and the staff of the deputy's liaison station."""
    if user is None or not user.is_authenticated:
        return False
    if deputy.user_id == user.pk:
        return True
    return deputy.station is not None and runs_unit(user, deputy.station.unit)


@dataclass
class FollowUp:
    issue: ReceptionIssue
    state: str
    answered: bool
    in_time: bool | None


def deputy_followup(deputy: Deputy) -> list[FollowUp]:
    """The deputy's issues, each with its live state: a linked ticket's status is read now."""
    rows = []
    now = clock.now()
    issues = (ReceptionIssue.objects.filter(deputy=deputy).select_related("ticket", "record__reception")
              .order_by("-created_at", "-id"))
    for issue in issues:
        ticket = issue.ticket
        if ticket is not None:
            answered = ticket.status in (Status.COMPLETED, Status.CLOSED)
            answered_at = ticket.completed_at or ticket.closed_at
            state = ticket.get_status_display()
        else:
            answered, answered_at = issue.answered_at is not None, issue.answered_at
            state = _("Answered") if answered else _("Awaiting answer")
        in_time = (answered_at is not None and answered_at <= issue.due_at) if answered else (
            False if now > issue.due_at else None)
        rows.append(FollowUp(issue, str(state), answered, in_time))
    return rows


def deputy_figures() -> list[dict[str, Any]]:
    """Per deputy: receptions held, issues raised, and the share of those answered in time (of the due ones)."""
    held: dict[int, int] = {row["deputy_id"]: row["held"] for row in ReceptionRecord.received_by.through.objects
                            .values("deputy_id").annotate(held=Count("id"))}
    now = clock.now()
    on_ticket_time = Q(ticket__completed_at__lte=F("due_at"))
    issues = {row["deputy_id"]: row for row in ReceptionIssue.objects.values("deputy_id").annotate(
        raised=Count("id"),
        in_time=Count("id", filter=Q(answered_at__lte=F("due_at")) | on_ticket_time),
        due=Count("id", filter=Q(due_at__lte=now) | Q(answered_at__isnull=False) | Q(
            ticket__completed_at__isnull=False)))}
    figures = []
    for deputy in Deputy.objects.select_related("station").order_by("name"):
        row = issues.get(deputy.pk, {})
        due = row.get("due", 0)
        figures.append({"deputy": deputy, "held": held.get(deputy.pk, 0), "raised": row.get("raised", 0),
                        "in_time": row.get("in_time", 0), "due": due,
                        "share": round(100 * row.get("in_time", 0) / due) if due else None})
    return figures
