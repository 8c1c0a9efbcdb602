"""Every write of participation: consultations and opinions, moderation, decisions, surveys, receptions.

Tickets are written only through `cityloop.tickets.services` (`ticket_create`, `ticket_transition`).
"""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from typing import Any

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cityloop.core import clock
from cityloop.core.errors import ApplicationError, Conflict, InvalidInput, NotFound
from cityloop.organisation.choices import AreaKind
from cityloop.organisation.models import Area
from cityloop.participation import grouping
from cityloop.participation.access import is_verified_resident, keeps_resident_list, listed_entries, runs_unit
from cityloop.participation.choices import (
    PHASE_ORDER,
    BookingChannel,
    Decision,
    IssueOutcome,
    ModerationAction,
    OpinionChannel,
    Phase,
    QuestionKind,
    Stance,
)
from cityloop.participation.models import (
    OPINION_MAX_CHARS,
    Answer,
    Booking,
    Consultation,
    ContactPoint,
    Deputy,
    DraftVersion,
    ListedResident,
    ModerationEvent,
    Opinion,
    OpinionGroup,
    OpinionReport,
    OpinionSupport,
    Question,
    Reception,
    ReceptionIssue,
    ReceptionRecord,
    ReceptionSlot,
    ResidentList,
    Section,
    Survey,
    SurveyResponse,
)
from cityloop.participation.residents import ResidentFile, rejection_text
from cityloop.portal.contacts import EMAIL, PHONE, Contact
from cityloop.portal.services import citizen_username
from cityloop.security.audit import audit_record
from cityloop.tickets.choices import Channel, Status, TicketType
from cityloop.tickets.models import Ticket
from cityloop.tickets.selectors import ticket_get
from cityloop.tickets.services import TicketInput, TransitionInput, ticket_create, ticket_transition

# Moderation (Decidim hides after 3 reports; comments per person per hour as CONSUL's anti-flood).
REPORTS_BEFORE_HIDING = 3
OPINIONS_PER_HOUR = 5
# A reception schedule is published at least this long before the reception.
SCHEDULE_NOTICE = timedelta(days=3)
# An issue raised at a reception should have its answer within this time.
ISSUE_ANSWER_DAYS = 15


class Forbidden(ApplicationError):
    status = 403
    code = "permission_denied"


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _require_runs(actor: Any, consultation: Consultation) -> None:
    if not runs_unit(actor, consultation.office):
        raise Forbidden(_("Only the responsible office may do this."))


def _check_body(body: str, field: str = "body") -> str:
    body = body.strip()
    if not body:
        raise InvalidInput(_("Write your opinion."), code="field_required", details={"field": field})
    if len(body) > OPINION_MAX_CHARS:
        raise InvalidInput(_("An opinion is at most %(max)d characters; this one has %(n)d. Shorten it or send "
                             "a document by e-mail.") % {"max": OPINION_MAX_CHARS, "n": len(body)},
                           code="too_long", details={"field": field})
    return body


# --- consultations -------------------------------------------------------------------------------------------


@dataclass
class SectionInput:
    number: str
    text: str
    heading: str = ""


_ARTICLE = re.compile(r"^\s*(第[一二三四五六七八九十百千零〇两\d]+[条章节])[\s　]*(.*)$")


def sections_from_text(text: str) -> list[SectionInput]:
    """Split a pasted draft into sections: one per article (a line starting 第…条/章/节), or, for a text
    without that structure, one per paragraph (blank-line separated), numbered 1, 2, 3 (as Decidim's
    participatory texts do)."""
    lines = text.replace("\r\n", "\n").split("\n")
    sections: list[SectionInput] = []
    for line in lines:
        match = _ARTICLE.match(line)
        if match:
            sections.append(SectionInput(match.group(1), match.group(2).strip()))
        elif sections and line.strip():
            sections[-1].text = f"{sections[-1].text}\n{line.strip()}".strip()
    if sections:
        return [s for s in sections if s.text]
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return [SectionInput(str(n), p) for n, p in enumerate(paragraphs, start=1)]


def consultation_create(*, actor: Any, title: str, office_id: int, opens_at: dt.datetime, closes_at: dt.datetime,
                        sections: list[SectionInput], summary: str = "") -> Consultation:
    from cityloop.organisation.models import Unit

    office = Unit.objects.filter(pk=office_id, active=True).first()
    if office is None:
        raise InvalidInput(_("Choose the responsible office."), code="field_required", details={"field": "office"})
    if not runs_unit(actor, office):
        raise Forbidden(_("Only the responsible office may do this."))
    if closes_at <= opens_at:
        raise InvalidInput(_("The comment period must end after it starts."), code="invalid_dates",
                           details={"field": "closes_at"})
    if not sections:
        raise InvalidInput(_("A draft needs at least one section."), code="field_required")
    with transaction.atomic():
        consultation = Consultation.objects.create(title=title, summary=summary, office=office, opens_at=opens_at,
                                                   closes_at=closes_at, created_by=actor)
        _add_version(consultation, 1, "", sections)
        audit_record(actor=actor, action="consultation.create", object_type="consultation",
                     object_id=consultation.pk)
    return consultation


def _add_version(consultation: Consultation, number: int, note: str, sections: list[SectionInput]) -> DraftVersion:
    version = DraftVersion.objects.create(consultation=consultation, number=number, note=note)
    Section.objects.bulk_create(Section(version=version, position=i, number=s.number, heading=s.heading,
                                        text=s.text) for i, s in enumerate(sections, start=1))
    return version


def consultation_add_version(*, actor: Any, consultation_id: int, note: str,
                             sections: list[SectionInput]) -> DraftVersion:
    """A revised text. Opinions stay on the sections of the version they were given on."""
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().select_related("office").get(pk=consultation_id)
        _require_runs(actor, consultation)
        if consultation.phase == Phase.PUBLISHED:
            raise Conflict(_("The result is published; the draft can no longer change."), code="phase_closed")
        last = consultation.versions.order_by("-number").values_list("number", flat=True).first() or 0
        version = _add_version(consultation, last + 1, note, sections)
        audit_record(actor=actor, action="consultation.version", object_type="consultation",
                     object_id=consultation.pk, data={"version": version.number})
    return version


def consultation_advance(*, actor: Any, consultation_id: int) -> Consultation:
    """Move to the next phase: draft → open for comment → analysis. Publishing is `report_publish`."""
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().select_related("office").get(pk=consultation_id)
        _require_runs(actor, consultation)
        index = PHASE_ORDER.index(consultation.phase)
        if consultation.phase in (Phase.ANALYSIS, Phase.PUBLISHED):
            raise Conflict(_("Publish the feedback report to end the analysis."), code="invalid_phase")
        consultation.phase = PHASE_ORDER[index + 1]
        consultation.save(update_fields=["phase", "updated_at"])
        audit_record(actor=actor, action="consultation.phase", object_type="consultation",
                     object_id=consultation.pk, data={"phase": consultation.phase})
    return consultation


# --- opinions ------------------------------------------------------------------------------------------------


def _section_of(consultation: Consultation, section_id: int | None) -> Section | None:
    if section_id is None:
        return None
    section = Section.objects.filter(pk=section_id, version__consultation=consultation).first()
    if section is None:
        raise InvalidInput(_("Unknown section."), code="unknown_section", details={"field": "section"})
    return section


def _new_opinion(consultation: Consultation, *, body: str, channel: str, section: Section | None,
                 received_at: dt.datetime, **fields: Any) -> Opinion:
    return Opinion.objects.create(consultation=consultation, section=section, channel=channel, body=body,
                                     created_at=received_at, late=received_at > consultation.closes_at,
                                     stance=grouping.guess_stance(body), **fields)


def opinion_submit(*, actor: Any, consultation_id: int, body: str, section_id: int | None = None) -> Opinion:
    """A resident's comment on the web, on the whole draft or one section, while comments are open."""
    if not is_verified_resident(actor):
        raise Forbidden(_("Sign in with a code sent to your phone or e-mail to comment."), code="not_verified")
    body = _check_body(body)
    now = clock.now()
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().filter(pk=consultation_id).first()
        if consultation is None or consultation.phase == Phase.DRAFT:
            raise NotFound(_("Not found."))
        if consultation.phase != Phase.OPEN or not consultation.opens_at <= now <= consultation.closes_at:
            if now < consultation.opens_at and consultation.phase == Phase.OPEN:
                message = _("Comments on this draft open on %(date)s.") % {"date": _local(consultation.opens_at)}
            else:
                message = _("Comments on this draft closed on %(date)s.") % {"date": _local(consultation.closes_at)}
            raise Conflict(message, code="phase_closed")
        recent = Opinion.objects.filter(author=actor, created_at__gt=now - timedelta(hours=1)).count()
        if recent >= OPINIONS_PER_HOUR:
            raise Conflict(_("You have sent %(n)d comments in the last hour; wait a while before sending more.")
                           % {"n": recent}, code="throttled")
        section = _section_of(consultation, section_id)
        return _new_opinion(consultation, body=body, channel=OpinionChannel.WEB, section=section,
                               received_at=now, author=actor, author_name=actor.get_full_name())


def opinion_enter(*, actor: Any, consultation_id: int, channel: str, body: str, author_name: str,
                  author_contact: str = "", section_id: int | None = None, contact_point_id: int | None = None,
                  received_at: dt.datetime | None = None) -> Opinion:
    """Staff enter an opinion that came another way: an on-site paper form, or a contact point for a resident.

    Such opinions may arrive after the comment period (by post, from a contact point's meeting); they are
    kept and marked late, and answered in the report like every other.
    """
    body = _check_body(body)
    if channel not in (OpinionChannel.PAPER, OpinionChannel.CONTACT_POINT):
        raise InvalidInput(_("Choose how the opinion came in."), code="invalid_channel", details={"field": "channel"})
    if not author_name.strip():
        raise InvalidInput(_("Write the resident's name."), code="field_required", details={"field": "author_name"})
    with transaction.atomic():
        consultation = Consultation.objects.select_related("office").filter(pk=consultation_id).first()
        if consultation is None:
            raise NotFound(_("Not found."))
        point = None
        if channel == OpinionChannel.CONTACT_POINT:
            point = ContactPoint.objects.filter(pk=contact_point_id or 0).first()
            if point is None:
                raise InvalidInput(_("Choose the contact point."), code="field_required",
                                   details={"field": "contact_point"})
            staff = point.staff.filter(pk=getattr(actor, "pk", 0) or 0).exists()
            if not staff and not runs_unit(actor, consultation.office):
                raise Forbidden(_("Only the contact point's staff may submit for it."))
        else:
            _require_runs(actor, consultation)
        _require_accepting(consultation)
        opinion = _new_opinion(consultation, body=body, channel=channel, section=_section_of(consultation, section_id),
                               received_at=received_at or clock.now(), author_name=author_name.strip(),
                               author_contact=author_contact.strip(), entered_by=actor, contact_point=point)
        audit_record(actor=actor, action="opinion.enter", object_type="opinion", object_id=opinion.pk,
                     data={"channel": channel})
    return opinion


def _require_accepting(consultation: Consultation) -> None:
    if consultation.phase in (Phase.DRAFT, Phase.PUBLISHED):
        raise Conflict(_("This consultation does not take opinions now."), code="phase_closed")


def opinion_from_ticket(*, actor: Any, consultation_id: int, ticket_id: int) -> Opinion:
    """A 12345 suggestion (建议) about the draft becomes an opinion with the channel "hotline", once."""
    ticket = ticket_get(actor, ticket_id)  # NotFound when the actor may not see it
    if ticket.ticket_type != TicketType.SUGGESTION:
        raise InvalidInput(_("Only a ticket of the type suggestion can become an opinion."), code="not_suggestion",
                           details={"field": "ticket"})
    with transaction.atomic():
        consultation = Consultation.objects.select_related("office").filter(pk=consultation_id).first()
        if consultation is None:
            raise NotFound(_("Not found."))
        _require_runs(actor, consultation)
        _require_accepting(consultation)
        if Opinion.objects.filter(consultation=consultation, ticket=ticket).exists():
            raise Conflict(_("This ticket is already an opinion on this draft."), code="duplicate")
        body = _check_body(f"{ticket.title}\n{ticket.description}")
        opinion = _new_opinion(consultation, body=body, channel=OpinionChannel.HOTLINE, section=None,
                               received_at=ticket.created_at, author_name=ticket.citizen_name,
                               author_contact=ticket.citizen_phone or ticket.citizen_email, ticket=ticket,
                               entered_by=actor)
        audit_record(actor=actor, action="opinion.from_ticket", object_type="opinion", object_id=opinion.pk,
                     data={"ticket": ticket.pk})
    return opinion


def opinion_import_email(*, consultation_id: int, raw: bytes, actor: Any = None) -> Opinion | None:
    """One e-mail (RFC 5322 bytes) as an opinion. Returns None when that message was imported already.

    A subject naming a section number as printed ("第三条") puts the opinion on that section.
    """
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    ref = str(message.get("Message-ID", "")).strip()[:255]
    part = message.get_body(preferencelist=("plain",))
    body = _check_body(part.get_content() if part is not None else "")
    name, address = parseaddr(str(message.get("From", "")))
    subject = str(message.get("Subject", ""))
    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None:
        raise NotFound(_("Not found."))
    _require_accepting(consultation)
    if ref and Opinion.objects.filter(consultation=consultation, external_ref=ref).exists():
        return None
    section = next((s for s in Section.objects.filter(version__consultation=consultation).order_by(
        "-version__number", "position") if s.number and s.number in subject), None)
    sent = message.get("Date")
    received_at = getattr(sent, "datetime", None) if sent is not None else None
    try:
        with transaction.atomic():
            opinion = _new_opinion(consultation, body=body, channel=OpinionChannel.EMAIL, section=section,
                                   received_at=received_at or clock.now(), author_name=(name or address)[:100],
                                   author_contact=address[:254], external_ref=ref, entered_by=actor)
            audit_record(actor=actor, action="opinion.import_email", object_type="opinion", object_id=opinion.pk)
    except IntegrityError:
        return None
    return opinion


def opinion_support(*, actor: Any, opinion_id: int) -> bool:
    """A resident supports an opinion; once per person. Returns False when they had already."""
    if not is_verified_resident(actor):
        raise Forbidden(_("Sign in with a code sent to your phone or e-mail to support opinions."),
                        code="not_verified")
    opinion = Opinion.objects.filter(pk=opinion_id, hidden=False).first()
    if opinion is None:
        raise NotFound(_("Not found."))
    try:
        with transaction.atomic():
            OpinionSupport.objects.create(opinion=opinion, user=actor)
    except IntegrityError:
        return False
    return True


def _moderate(opinion: Opinion, *, hidden: bool, action: str, reason: str, actor: Any) -> None:
    opinion.hidden, opinion.hidden_reason = hidden, reason if hidden else ""
    opinion.save(update_fields=["hidden", "hidden_reason"])
    ModerationEvent.objects.create(opinion=opinion, action=action, reason=reason,
                                   actor=actor if actor is not None and actor.is_authenticated else None)
    audit_record(actor=actor, action=f"opinion.{action}", object_type="opinion", object_id=opinion.pk,
                 data={"reason": reason})


def opinion_flag(*, actor: Any, opinion_id: int, reason: str = "") -> bool:
    """A person reports an opinion; after REPORTS_BEFORE_HIDING distinct people it is hidden. Returns hidden."""
    if actor is None or not actor.is_authenticated:
        raise Forbidden(_("Sign in to report an opinion."), code="not_verified")
    with transaction.atomic():
        opinion = Opinion.objects.select_for_update().filter(pk=opinion_id).first()
        if opinion is None:
            raise NotFound(_("Not found."))
        _report, created = OpinionReport.objects.get_or_create(opinion=opinion, user=actor,
                                                         defaults={"reason": reason[:300]})
        if created and not opinion.hidden and opinion.reports.count() >= REPORTS_BEFORE_HIDING:
            _moderate(opinion, hidden=True, action=ModerationAction.AUTO_HIDE, actor=None,
                      reason=_("Reported by %(n)d people") % {"n": REPORTS_BEFORE_HIDING})
        return opinion.hidden


def opinion_hide(*, actor: Any, opinion_id: int, reason: str, hidden: bool = True) -> Opinion:
    """Staff hide an opinion with a reason (or show it again). The history is kept."""
    if not reason.strip():
        raise InvalidInput(_("Give the reason."), code="field_required", details={"field": "reason"})
    with transaction.atomic():
        opinion = Opinion.objects.select_for_update().select_related("consultation__office").filter(
            pk=opinion_id).first()
        if opinion is None:
            raise NotFound(_("Not found."))
        _require_runs(actor, opinion.consultation)
        if opinion.hidden != hidden:
            _moderate(opinion, hidden=hidden, action=ModerationAction.HIDE if hidden else ModerationAction.RESTORE,
                      reason=reason.strip()[:300], actor=actor)
    return opinion


def opinion_set_stance(*, actor: Any, opinion_id: int, stance: str) -> Opinion:
    if stance not in Stance.values:
        raise InvalidInput(_("Choose a stance."), code="field_required", details={"field": "stance"})
    with transaction.atomic():
        opinion = Opinion.objects.select_related("consultation__office").get(pk=opinion_id)
        _require_runs(actor, opinion.consultation)
        opinion.stance, opinion.stance_manual = stance, True
        opinion.save(update_fields=["stance", "stance_manual"])
    return opinion


def _analysable(consultation: Consultation) -> None:
    if consultation.phase == Phase.PUBLISHED:
        raise Conflict(_("The feedback report is published; decisions can no longer change."),
                       code="phase_closed")


def opinions_group(*, actor: Any, consultation_id: int, threshold: float = grouping.DEFAULT_THRESHOLD) -> int:
    """Group the opinions not yet in a group by similarity; returns how many groups were made."""
    consultation = Consultation.objects.select_related("office").get(pk=consultation_id)
    _require_runs(actor, consultation)
    _analysable(consultation)
    opinions = list(Opinion.objects.filter(consultation=consultation, group__isnull=True, hidden=False)
                    .order_by("id").only("id", "body"))
    labels = grouping.group_texts([o.body for o in opinions], threshold=threshold)
    members: dict[int, list[Opinion]] = {}
    for opinion, label in zip(opinions, labels, strict=True):
        members.setdefault(label, []).append(opinion)
    made = 0
    with transaction.atomic():
        for group_members in members.values():
            if len(group_members) < 2:
                continue
            group = OpinionGroup.objects.create(consultation=consultation, label=group_members[0].body[:60])
            Opinion.objects.filter(pk__in=[o.pk for o in group_members]).update(group=group)
            made += 1
        audit_record(actor=actor, action="opinion.group", object_type="consultation", object_id=consultation.pk,
                     data={"groups": made})
    return made


def opinion_regroup(*, actor: Any, opinion_id: int, group_id: int | None) -> Opinion:
    """Move one opinion into another group of the same consultation, or out of its group (None)."""
    with transaction.atomic():
        opinion = Opinion.objects.select_related("consultation__office").get(pk=opinion_id)
        _require_runs(actor, opinion.consultation)
        _analysable(opinion.consultation)
        group = None
        if group_id is not None:
            group = OpinionGroup.objects.filter(pk=group_id, consultation=opinion.consultation).first()
            if group is None:
                raise InvalidInput(_("Unknown group."), code="unknown_group", details={"field": "group"})
        opinion.group = group
        opinion.save(update_fields=["group"])
    return opinion


def decision_set(*, actor: Any, consultation_id: int, decision: str, reason: str, opinion_id: int | None = None,
                 group_id: int | None = None) -> None:
    """The adoption decision (采纳/部分采纳/未采纳) with its reason, for one opinion or a whole group."""
    if decision not in Decision.values:
        raise InvalidInput(_("Choose the decision."), code="field_required", details={"field": "decision"})
    if decision != Decision.ADOPTED and not reason.strip():
        raise InvalidInput(_("Say why the opinion was not (fully) adopted."), code="field_required",
                           details={"field": "reason"})
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().select_related("office").get(pk=consultation_id)
        _require_runs(actor, consultation)
        _analysable(consultation)
        target: Opinion | OpinionGroup | None
        if group_id is not None:
            target = OpinionGroup.objects.filter(pk=group_id, consultation=consultation).first()
        else:
            target = Opinion.objects.filter(pk=opinion_id or 0, consultation=consultation).first()
        if target is None:
            raise NotFound(_("Not found."))
        target.decision, target.reason = decision, reason.strip()
        target.save(update_fields=["decision", "reason"])
        audit_record(actor=actor, action="opinion.decide", object_type=type(target).__name__.lower(),
                     object_id=target.pk, data={"decision": decision})


def report_publish(*, actor: Any, consultation_id: int, summary: str) -> Consultation:
    """Publish the feedback report: every opinion must have a decision (hidden ones are recorded as not
    adopted, with the moderation reason), then the consultation's result is published."""
    with transaction.atomic():
        consultation = Consultation.objects.select_for_update().select_related("office").get(pk=consultation_id)
        _require_runs(actor, consultation)
        if consultation.phase != Phase.ANALYSIS:
            raise Conflict(_("The feedback report is published at the end of the analysis phase."),
                           code="invalid_phase")
        for opinion in Opinion.objects.filter(consultation=consultation, hidden=True, decision=""):
            opinion.decision = Decision.NOT_ADOPTED
            opinion.reason = _("Not considered: hidden by moderation (%(reason)s).") % {
                "reason": opinion.hidden_reason}
            opinion.save(update_fields=["decision", "reason"])
        undecided = Opinion.objects.filter(consultation=consultation, decision="").filter(
            Q(group__isnull=True) | Q(group__decision="")).count()
        if undecided:
            raise Conflict(_("%(n)d opinions have no decision yet; decide them before publishing.")
                           % {"n": undecided}, code="undecided")
        consultation.phase, consultation.published_at = Phase.PUBLISHED, clock.now()
        consultation.report_summary = summary.strip()
        consultation.save(update_fields=["phase", "published_at", "report_summary", "updated_at"])
        audit_record(actor=actor, action="consultation.publish", object_type="consultation",
                     object_id=consultation.pk)
    return consultation


# --- surveys -------------------------------------------------------------------------------------------------


def survey_respond(*, actor: Any, survey_id: int, answers: dict[int, Any]) -> SurveyResponse:
    """One response per verified resident. `answers` maps question id to an option index (single), a list
    of them (multiple), an integer 1..scale_max (scale) or a string (text).

    A survey for the residents of an area takes only listed residents of it, once per listed person: signing in
    with the phone and then with the e-mail of the same row does not give a second response.
    """
    if not is_verified_resident(actor):
        raise Forbidden(_("Sign in with a code sent to your phone or e-mail to answer."), code="not_verified")
    now = clock.now()
    survey = Survey.objects.select_related("residents_of").filter(pk=survey_id).first()
    if survey is None:
        raise NotFound(_("Not found."))
    if not survey.opens_at <= now <= survey.closes_at:
        raise Conflict(_("This survey is closed."), code="phase_closed")
    resident_key = ""
    if survey.residents_of is not None:
        entries = list(listed_entries(actor, survey.residents_of).order_by("id"))
        if not entries:
            raise Forbidden(_("This survey is for residents of %(area)s on their community's resident list. If "
                              "you are on it, sign in with the phone or e-mail you gave your community.")
                            % {"area": survey.residents_of.name}, code="not_listed")
        keys = {key for entry in entries for key in (entry.phone_account, entry.email_account) if key}
        if SurveyResponse.objects.filter(survey=survey, resident_key__in=keys).exists():
            raise Conflict(_("You have already answered this survey; each resident answers once."),
                           code="already_answered")
        resident_key = entries[0].key
    rows = []
    texts = []
    for question in Question.objects.filter(survey=survey).order_by("position"):
        rows.append(_answer(question, answers.get(question.pk)))
        if question.kind == QuestionKind.TEXT and rows[-1].text:
            texts.append(rows[-1].text)
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(survey=survey, respondent=actor, resident_key=resident_key,
                                                     created_at=now)
            for row in rows:
                row.response = response
            Answer.objects.bulk_create(rows)
            consultation = survey.consultation
            if consultation is not None and consultation.phase in (Phase.OPEN, Phase.ANALYSIS):
                for text in texts:
                    _new_opinion(consultation, body=text, channel=OpinionChannel.SURVEY, section=None,
                                 received_at=now, author=actor, author_name=actor.get_full_name())
    except IntegrityError:
        raise Conflict(_("You have already answered this survey; each resident answers once."),
                       code="already_answered") from None
    return response


def _answer(question: Question, value: Any) -> Answer:
    def missing() -> InvalidInput:
        return InvalidInput(_("Answer the question “%(q)s”.") % {"q": question.text}, code="field_required",
                            details={"field": f"q{question.pk}"})

    empty = value in (None, "", [])
    if empty:
        if question.required:
            raise missing()
        return Answer(question=question)
    bad = InvalidInput(_("The answer to “%(q)s” is not one of its options.") % {"q": question.text},
                       code="invalid_answer", details={"field": f"q{question.pk}"})
    try:
        if question.kind == QuestionKind.SINGLE:
            index = int(value)
            if not 0 <= index < len(question.options):
                raise bad
            return Answer(question=question, choices=[index])
        if question.kind == QuestionKind.MULTIPLE:
            indexes = sorted({int(v) for v in value})
            if any(not 0 <= i < len(question.options) for i in indexes):
                raise bad
            return Answer(question=question, choices=indexes)
        if question.kind == QuestionKind.SCALE:
            scale = int(value)
            if not 1 <= scale <= question.scale_max:
                raise bad
            return Answer(question=question, scale=scale)
    except (TypeError, ValueError):
        raise bad from None
    return Answer(question=question, text=_check_body(str(value), f"q{question.pk}"))


# --- resident lists ------------------------------------------------------------------------------------------


def resident_list_import(*, actor: Any, community_id: int, file_name: str, content: ResidentFile) -> ResidentList:
    """Replace a community's resident list with the good rows of a file read by `residents.read_resident_file`.

    The refused rows are kept as the import's report. Importing the same file again gives the same list. A file
    without a single good row is refused whole and changes nothing. Only the community's staff may import
    (others get the same NotFound as for a missing community).
    """
    community = Area.objects.filter(pk=community_id, kind=AreaKind.COMMUNITY).first()
    if community is None or not keeps_resident_list(actor, community):
        raise NotFound(_("Not found."))
    if not content.rows:
        problems = "; ".join(_("row %(row)d: %(reason)s") % {"row": item["row"], "reason": rejection_text(item)}
                             for item in content.rejected[:10])
        raise InvalidInput(_("No row of %(name)s can be used, so the list is unchanged. %(problems)s")
                           % {"name": file_name, "problems": problems}, code="no_rows", details={"field": "file"})
    with transaction.atomic():
        resident_list, _created = ResidentList.objects.update_or_create(community=community, defaults={
            "file_name": file_name[:200], "imported_at": clock.now(), "imported_by": actor,
            "rejected": content.rejected})
        resident_list.residents.all().delete()
        ListedResident.objects.bulk_create([ListedResident(
            resident_list=resident_list, row=row.row, name=row.name, phone=row.phone, email=row.email,
            building=row.building, unit=row.unit,
            phone_account=citizen_username(Contact(PHONE, row.phone)) if row.phone else "",
            email_account=citizen_username(Contact(EMAIL, row.email)) if row.email else "",
        ) for row in content.rows], batch_size=1000)
        audit_record(actor=actor, action="resident_list.import", object_type="resident_list",
                     object_id=resident_list.pk, data={"community": community.pk, "rows": len(content.rows),
                                                       "rejected": len(content.rejected)})
    return resident_list


# --- joint reception -----------------------------------------------------------------------------------------


def reception_schedule(*, actor: Any, station_id: int, topic: str, starts_at: dt.datetime, ends_at: dt.datetime,
                       deputy_ids: Iterable[int], slots: list[tuple[dt.datetime, int]]) -> Reception:
    """Publish a reception; it must be at least three days ahead so that people can plan to come."""
    from cityloop.participation.models import LiaisonStation

    station = LiaisonStation.objects.select_related("unit").filter(pk=station_id).first()
    if station is None:
        raise NotFound(_("Not found."))
    if not runs_unit(actor, station.unit):
        raise Forbidden(_("Only the station's organising unit may schedule its receptions."))
    now = clock.now()
    if starts_at - now < SCHEDULE_NOTICE:
        raise InvalidInput(_("A reception is announced at least 3 days ahead; the earliest start now is "
                             "%(date)s.") % {"date": _local(now + SCHEDULE_NOTICE)},
                           code="too_soon", details={"field": "starts_at"})
    if ends_at <= starts_at:
        raise InvalidInput(_("The reception must end after it starts."), code="invalid_dates",
                           details={"field": "ends_at"})
    deputies = list(Deputy.objects.filter(pk__in=list(deputy_ids), active=True))
    if not deputies:
        raise InvalidInput(_("Choose the deputies who receive."), code="field_required",
                           details={"field": "deputies"})
    if not slots or any(capacity < 1 or not starts_at <= at < ends_at for at, capacity in slots):
        raise InvalidInput(_("Each slot lies within the reception and takes at least one person."),
                           code="invalid_slots", details={"field": "slots"})
    with transaction.atomic():
        reception = Reception.objects.create(station=station, topic=topic, starts_at=starts_at, ends_at=ends_at,
                                             published_at=now, created_by=actor)
        reception.deputies.set(deputies)
        ReceptionSlot.objects.bulk_create(ReceptionSlot(reception=reception, starts_at=at, capacity=capacity)
                                          for at, capacity in slots)
        audit_record(actor=actor, action="reception.schedule", object_type="reception", object_id=reception.pk)
    return reception


def booking_create(*, actor: Any, slot_id: int, name: str, topic: str, phone: str = "", email: str = "",
                   channel: str = BookingChannel.ONLINE) -> Booking:
    """Book a place: a verified resident online, or staff of the station for a caller (by phone)."""
    if not name.strip() or not topic.strip():
        raise InvalidInput(_("Give your name and what you want to raise."), code="field_required",
                           details={"field": "name" if not name.strip() else "topic"})
    with transaction.atomic():
        # Lock the slot so that two bookings of the last place cannot both pass the count.
        slot = (ReceptionSlot.objects.select_for_update().select_related("reception__station__unit")
                .filter(pk=slot_id).first())
        if slot is None:
            raise NotFound(_("Not found."))
        reception = slot.reception
        if channel == BookingChannel.PHONE:
            if not runs_unit(actor, reception.station.unit):
                raise Forbidden(_("Only the station's staff book by phone."))
            citizen = None
        else:
            if not is_verified_resident(actor):
                raise Forbidden(_("Sign in with a code sent to your phone or e-mail to book."), code="not_verified")
            citizen = actor
        if reception.cancelled or reception.starts_at <= clock.now():
            raise Conflict(_("This reception can no longer be booked."), code="closed")
        # Touch the slot row (an UPDATE) so that SQLite, which ignores FOR UPDATE, serialises bookings too.
        ReceptionSlot.objects.filter(pk=slot.pk).update(capacity=slot.capacity)
        if slot.bookings.count() >= slot.capacity:
            raise Conflict(_("This time slot is full; choose another one."), code="slot_full",
                           details={"field": "slot"})
        if citizen is not None and Booking.objects.filter(slot__reception=reception, citizen=citizen).exists():
            raise Conflict(_("You have already booked this reception."), code="already_booked")
        return Booking.objects.create(slot=slot, citizen=citizen, name=name.strip(), phone=phone.strip(),
                                         email=email.strip(), topic=topic.strip(), channel=channel,
                                         booked_by=actor if actor is not None and actor.is_authenticated else None)


def reception_record(*, actor: Any, reception_id: int, deputy_ids: Iterable[int], attendees: str,
                     notes: str = "") -> ReceptionRecord:
    reception = Reception.objects.select_related("station__unit").filter(pk=reception_id).first()
    if reception is None:
        raise NotFound(_("Not found."))
    if not runs_unit(actor, reception.station.unit):
        raise Forbidden(_("Only the station's organising unit may record its receptions."))
    deputies = list(reception.deputies.filter(pk__in=list(deputy_ids)))
    if not deputies:
        raise InvalidInput(_("Choose the deputies who received."), code="field_required",
                           details={"field": "deputies"})
    if not attendees.strip():
        raise InvalidInput(_("Write who came."), code="field_required", details={"field": "attendees"})
    with transaction.atomic():
        record, _created = ReceptionRecord.objects.update_or_create(
            reception=reception, defaults={"attendees": attendees.strip(), "notes": notes.strip(),
                                           "recorded_by": actor})
        record.received_by.set(deputies)
        audit_record(actor=actor, action="reception.record", object_type="reception", object_id=reception.pk)
    return record


@dataclass
class IssueInput:
    deputy_id: int
    citizen_name: str
    content: str
    outcome: str
    citizen_phone: str = ""
    citizen_email: str = ""
    answer: str = ""  # the answer given on the spot
    unit_id: int | None = None  # the street office or district unit a ticket goes to
    motion_ref: str = ""
    booking_id: int | None = None


def reception_issue_add(*, actor: Any, reception_id: int, data: IssueInput) -> ReceptionIssue:
    """Record one matter raised at a reception and what becomes of it.

    - answered on the spot: closed now, the citizen told by e-mail;
    - a 12345 ticket: `ticket_create` (channel "reception", type complaint) by the recording staff member;
      when a unit is chosen and the actor may dispatch, `ticket_transition("dispatch")` sends it there at
      once, otherwise it waits, received, in the centre's dispatch queue;
    - a motion or proposal: tracked until `reception_issue_answer` records its answer.
    """
    record = ReceptionRecord.objects.select_related("reception__station__unit").filter(
        reception_id=reception_id).first()
    if record is None:
        raise Conflict(_("Record the reception before its issues."), code="no_record")
    if not runs_unit(actor, record.reception.station.unit):
        raise Forbidden(_("Only the station's organising unit may record its receptions."))
    content = _check_body(data.content, "content")
    deputy = record.received_by.filter(pk=data.deputy_id).first()
    if deputy is None:
        raise InvalidInput(_("Choose a deputy who received."), code="field_required", details={"field": "deputy"})
    if not data.citizen_name.strip():
        raise InvalidInput(_("Write the citizen's name."), code="field_required",
                           details={"field": "citizen_name"})
    if data.outcome not in IssueOutcome.values:
        raise InvalidInput(_("Choose what becomes of the issue."), code="field_required",
                           details={"field": "outcome"})
    if data.outcome == IssueOutcome.ANSWERED and not data.answer.strip():
        raise InvalidInput(_("Write the answer given on the spot."), code="field_required",
                           details={"field": "answer"})
    if data.outcome == IssueOutcome.MOTION and not data.motion_ref.strip():
        raise InvalidInput(_("Give the motion or proposal number."), code="field_required",
                           details={"field": "motion_ref"})
    now = clock.now()
    with transaction.atomic():
        issue = ReceptionIssue(
            record=record, deputy=deputy, booking_id=data.booking_id, citizen_name=data.citizen_name.strip(),
            citizen_phone=data.citizen_phone.strip(), citizen_email=data.citizen_email.strip(), content=content,
            outcome=data.outcome, motion_ref=data.motion_ref.strip(), created_at=now,
            due_at=now + timedelta(days=ISSUE_ANSWER_DAYS))
        if data.outcome == IssueOutcome.ANSWERED:
            issue.answer, issue.answered_at = data.answer.strip(), now
        elif data.outcome == IssueOutcome.TICKET:
            issue.ticket = _issue_ticket(actor, issue, data.unit_id)
        issue.save()
        if issue.answered_at is not None:
            _tell_citizen(issue)
        audit_record(actor=actor, action="reception.issue", object_type="reception_issue", object_id=issue.pk,
                     data={"outcome": issue.outcome, "ticket": issue.ticket_id})
    return issue


def _issue_ticket(actor: Any, issue: ReceptionIssue, unit_id: int | None) -> Ticket:
    from cityloop.security import grants as g
    from cityloop.security.access import grants_for

    ticket, _created = ticket_create(actor=actor, data=TicketInput(
        channel=Channel.RECEPTION, ticket_type=TicketType.COMPLAINT, title=issue.content[:60],
        description=issue.content, citizen_name=issue.citizen_name, citizen_phone=issue.citizen_phone,
        citizen_email=issue.citizen_email, address=issue.record.reception.station.address))
    if unit_id is not None and not grants_for(actor, g.DISPATCH).empty:
        ticket = ticket_transition(ticket_id=ticket.pk, action="dispatch", actor=actor, params=TransitionInput(
            unit_id=unit_id, note=_("Raised at the deputies' joint reception.")))
    return ticket


def reception_issue_answer(*, actor: Any, issue_id: int, answer: str, deputy_id: int | None = None) -> ReceptionIssue:
    """The answer to a motion or proposal (or a ticket's reply typed in): the issue is answered, citizen told.

    `deputy_id`, when given (the deputy's page answers), must be the issue's deputy.
    """
    if not answer.strip():
        raise InvalidInput(_("Write the answer."), code="field_required", details={"field": "answer"})
    with transaction.atomic():
        issues = ReceptionIssue.objects.select_for_update().select_related("record__reception__station__unit")
        if deputy_id is not None:
            issues = issues.filter(deputy_id=deputy_id)
        issue = issues.filter(pk=issue_id).first()
        if issue is None:
            raise NotFound(_("Not found."))
        if not runs_unit(actor, issue.record.reception.station.unit) and getattr(
                getattr(actor, "deputy", None), "pk", None) != issue.deputy_id:
            raise Forbidden(_("Only the station's staff or the deputy may answer this issue."))
        if issue.answered_at is not None:
            raise Conflict(_("This issue has its answer already."), code="answered")
        issue.answer, issue.answered_at = answer.strip(), clock.now()
        issue.save(update_fields=["answer", "answered_at"])
        _tell_citizen(issue)
        audit_record(actor=actor, action="reception.issue_answer", object_type="reception_issue", object_id=issue.pk)
    return issue


def reception_issues_follow_tickets() -> int:
    """System job: an issue whose ticket is completed takes the ticket's reply as its answer; citizen told."""
    count = 0
    pending = ReceptionIssue.objects.filter(outcome=IssueOutcome.TICKET, answered_at__isnull=True,
                                            ticket__status__in=(Status.COMPLETED, Status.CLOSED))
    for issue in pending.select_related("ticket"):
        with transaction.atomic():
            assert issue.ticket is not None
            issue.answer = issue.ticket.reply
            issue.answered_at = issue.ticket.completed_at or issue.ticket.closed_at or clock.now()
            issue.save(update_fields=["answer", "answered_at"])
            _tell_citizen(issue)
        count += 1
    return count


def _tell_citizen(issue: ReceptionIssue) -> None:
    """E-mail the citizen the answer after commit; without an address, staff call (the phone is on the issue)."""
    if not issue.citizen_email:
        return
    subject = _("The answer to the matter you raised at the deputies' reception")
    text = _("Dear %(name)s,\n\nYou raised: %(content)s\n\nThe answer: %(answer)s\n") % {
        "name": issue.citizen_name, "content": issue.content, "answer": issue.answer}
    issue_id, email = issue.pk, issue.citizen_email

    def deliver() -> None:
        send_mail(subject, text, None, [email])
        ReceptionIssue.objects.filter(pk=issue_id).update(citizen_told_at=clock.now())

    transaction.on_commit(deliver, robust=True)
