"""Writes for community deliberation. Keyword-only, each in one transaction; refusals change nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cityloop.core import clock
from cityloop.core.errors import Conflict, InvalidInput, NotFound
from cityloop.deliberation import rules
from cityloop.deliberation.access import manages
from cityloop.deliberation.choices import (
    Attendance,
    Choice,
    Matter,
    ResolutionStatus,
    StatementStatus,
    TopicStatus,
    VoteStatus,
)
from cityloop.deliberation.models import (
    AssistedMatter,
    Ballot,
    Building,
    CommunityTask,
    Document,
    DwellingUnit,
    Invitation,
    Meeting,
    Opinion,
    Owner,
    OwnersVote,
    Party,
    ProgressNote,
    Proxy,
    Resolution,
    Statement,
    StatementVote,
    Topic,
)
from cityloop.organisation.choices import AreaKind
from cityloop.organisation.models import Area
from cityloop.security.audit import audit_record

# The declared total and the sum of the roll may differ by rounding of the registered areas only.
AREA_TOLERANCE = Decimal("0.50")
MAX_DOCUMENT = 10 * 1024 * 1024
MAGIC = [(b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
         (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif")]


def _require_manager(actor: Any, area: Area) -> None:
    if not manages(actor, area):
        raise NotFound(_("Not found."))


@dataclass(frozen=True)
class PartyInput:
    kind: str
    name: str
    email: str = ""
    unit_id: int | None = None


def topic_create(*, actor: Any, title: str, kind: str, area: Area, description: str = "",
                 parties: list[PartyInput] | None = None) -> Topic:
    _require_manager(actor, area)
    if not title.strip():
        raise InvalidInput(_("A topic needs a title."), details={"field": "title"})
    with transaction.atomic():
        topic = Topic.objects.create(title=title.strip(), kind=kind, area=area, description=description,
                                     proposer=actor, created_at=clock.now())
        for party in parties or []:
            Party.objects.create(topic=topic, kind=party.kind, name=party.name, email=party.email,
                                 unit_id=party.unit_id)
        audit_record(actor=actor, action="deliberation.topic_create", object_type="deliberation.topic",
                     object_id=topic.pk)
    return topic


def document_attach(*, actor: Any, topic: Topic, name: str, content: bytes) -> Document:
    """A PDF or an image; the type is read from the first bytes, not from the name."""
    _require_manager(actor, topic.area)
    if len(content) > MAX_DOCUMENT:
        raise InvalidInput(_("The file is larger than 10 MB."), details={"field": "file"})
    content_type = next((kind for magic, kind in MAGIC if content.startswith(magic)), None)
    if content_type is None:
        raise InvalidInput(_("Only PDF files and images (PNG, JPEG, GIF) can be attached."), details={"field": "file"})
    safe = "".join(c for c in name if c.isalnum() or c in "._-") or "document"
    with transaction.atomic():
        document = Document(topic=topic, name=name[:200], content_type=content_type, uploaded_at=clock.now())
        document.file.save(safe, ContentFile(content), save=False)
        document.save()
        audit_record(actor=actor, action="deliberation.document_attach", object_type="deliberation.topic",
                     object_id=topic.pk, data={"document": document.pk})
    return document


def meeting_schedule(*, actor: Any, topic: Topic, kind: str, starts_at: dt.datetime, place: str, agenda: str,
                     online_url: str = "", invitees: list[tuple[str, str]] | None = None) -> Meeting:
    """Schedule a hearing, review or coordination meeting and send the invitations by e-mail."""
    _require_manager(actor, topic.area)
    if starts_at <= clock.now():
        raise InvalidInput(_("A meeting is scheduled in the future."), details={"field": "starts_at"})
    if topic.status != TopicStatus.OPEN:
        raise Conflict(_("The topic is no longer under deliberation."))
    with transaction.atomic():
        meeting = Meeting.objects.create(topic=topic, kind=kind, starts_at=starts_at, place=place, agenda=agenda,
                                         online_url=online_url)
        people = list(invitees or []) + [(p.name, p.email) for p in topic.parties.all() if p.email]
        for name, email in people:
            Invitation.objects.create(meeting=meeting, name=name, email=email)
        audit_record(actor=actor, action="deliberation.meeting_schedule", object_type="deliberation.meeting",
                     object_id=meeting.pk)
        transaction.on_commit(lambda: _send_invitations(meeting.pk))
    return meeting


def _send_invitations(meeting_id: int) -> None:
    meeting = Meeting.objects.select_related("topic").get(pk=meeting_id)
    for invitation in meeting.invitations.exclude(email="").filter(sent_at=None):
        body = _("Topic: %(topic)s\nWhen: %(when)s\nWhere: %(place)s\nAgenda:\n%(agenda)s\n") % {
            "topic": meeting.topic.title, "when": meeting.starts_at.isoformat(timespec="minutes"),
            "place": meeting.place, "agenda": meeting.agenda}
        if meeting.online_url:
            body += _("Online: %(url)s\n") % {"url": meeting.online_url}
        send_mail(_("Invitation: %(kind)s on %(topic)s") % {"kind": meeting.get_kind_display(),
                                                             "topic": meeting.topic.title},
                  body, None, [invitation.email])
        Invitation.objects.filter(pk=invitation.pk).update(sent_at=clock.now())


def meeting_record(*, actor: Any, meeting: Meeting, minutes: str, attendance: dict[int, str] | None = None) -> Meeting:
    _require_manager(actor, meeting.topic.area)
    if not minutes.strip():
        raise InvalidInput(_("The minutes are empty."), details={"field": "minutes"})
    with transaction.atomic():
        for invitation_id, state in (attendance or {}).items():
            if state not in Attendance.values:
                raise InvalidInput(_("Unknown attendance."), details={"field": "attendance"})
            meeting.invitations.filter(pk=invitation_id).update(attendance=state)
        meeting.minutes = minutes
        meeting.held = True
        meeting.save(update_fields=["minutes", "held"])
        audit_record(actor=actor, action="deliberation.meeting_record", object_type="deliberation.meeting",
                     object_id=meeting.pk)
    return meeting


def opinion_add(*, actor: Any, meeting: Meeting, speaker: str, text: str, online: bool = False) -> Opinion:
    """An opinion given at the meeting or, by those who could not come, online (any signed-in person)."""
    if not (actor and actor.is_authenticated):
        raise NotFound(_("Not found."))
    if not text.strip():
        raise InvalidInput(_("The opinion is empty."), details={"field": "text"})
    return Opinion.objects.create(meeting=meeting, speaker=speaker[:100] or actor.get_username(), text=text,
                                  online=online, at=clock.now())


# ---------------------------------------------------------------------------------------------- owners' roll


@dataclass(frozen=True)
class RollRow:
    unit_code: str
    owner_key: str
    owner_name: str
    floor_area: str


def read_roll(*, name: str, content: bytes) -> list[RollRow]:
    """Rows from a CSV (UTF-8) or XLSX file with the columns unit_code, owner_id, owner_name, floor_area."""
    if content.startswith(b"PK"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        rows = [["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInput(_("The file is neither UTF-8 CSV nor XLSX."), details={"field": "file"}) from None
        rows = [[v.strip() for v in row] for row in csv.reader(io.StringIO(text))]
    rows = [r for r in rows if any(r)]
    if not rows:
        raise InvalidInput(_("The file is empty."), details={"field": "file"})
    header = [h.lower() for h in rows[0]]
    needed = ["unit_code", "owner_id", "owner_name", "floor_area"]
    missing = [h for h in needed if h not in header]
    if missing:
        raise InvalidInput(_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)},
                           details={"field": "file"})
    at = [header.index(h) for h in needed]
    return [RollRow(*(row[i] if i < len(row) else "" for i in at)) for row in rows[1:]]


def roll_import(*, actor: Any, building: Building, rows: list[RollRow]) -> int:
    """Replace the building's owners and dwelling units. Refused whole (nothing changes) when a unit code repeats,
    an area is not a positive number, or the areas do not add up to the declared total within AREA_TOLERANCE."""
    _require_manager(actor, building.area)
    problems: list[str] = []
    seen: set[str] = set()
    total = Decimal(0)
    parsed: list[tuple[RollRow, Decimal]] = []
    for line, row in enumerate(rows, start=2):
        if not row.unit_code or not row.owner_key:
            problems.append(_("line %(line)d: unit code and owner id are required") % {"line": line})
            continue
        if row.unit_code in seen:
            problems.append(_("line %(line)d: unit %(unit)s appears twice") % {"line": line, "unit": row.unit_code})
        seen.add(row.unit_code)
        try:
            area = Decimal(row.floor_area)
        except InvalidOperation:
            area = Decimal(-1)
        if not area.is_finite() or area <= 0:
            problems.append(_("line %(line)d: floor area %(area)r is not a positive number")
                            % {"line": line, "area": row.floor_area})
            continue
        total += area
        parsed.append((row, area))
    if problems:
        raise InvalidInput(_("The owners' roll was refused: %(problems)s.") % {"problems": "; ".join(problems[:10])},
                           details={"field": "file", "problems": problems})
    difference = total - building.declared_area
    if abs(difference) > AREA_TOLERANCE:
        raise InvalidInput(
            _("The floor areas add up to %(total)s m², but the building's declared total is %(declared)s m² "
              "(difference %(difference)s m², tolerance %(tolerance)s m²).")
            % {"total": total, "declared": building.declared_area, "difference": f"{difference:+}",
               "tolerance": AREA_TOLERANCE},
            details={"field": "file", "total": str(total), "declared": str(building.declared_area),
                     "difference": str(difference)})
    with transaction.atomic():
        if Ballot.objects.filter(vote__building=building, vote__status=VoteStatus.OPEN).exists():
            raise Conflict(_("A vote is open in this building; the roll cannot change now."))
        DwellingUnit.objects.filter(building=building).delete()
        owners: dict[str, Owner] = {o.key: o for o in building.owners.all()}
        for row, area in parsed:
            owner = owners.get(row.owner_key)
            if owner is None:
                owner = owners[row.owner_key] = Owner.objects.create(building=building, key=row.owner_key,
                                                                     name=row.owner_name or row.owner_key)
            DwellingUnit.objects.create(building=building, code=row.unit_code, owner=owner, floor_area=area)
        building.owners.exclude(key__in=[r.owner_key for r, _a in parsed]).filter(ballots=None).delete()
        audit_record(actor=actor, action="deliberation.roll_import", object_type="deliberation.building",
                     object_id=building.pk, data={"units": len(parsed), "total": str(total)})
    return len(parsed)


# ---------------------------------------------------------------------------------------------- owners' votes


def vote_open(*, actor: Any, topic: Topic, building: Building, question: str, matter: str,
              closes_at: dt.datetime) -> OwnersVote:
    _require_manager(actor, topic.area)
    if matter not in Matter.values:
        raise InvalidInput(_("Unknown matter."), details={"field": "matter"})
    if closes_at <= clock.now():
        raise InvalidInput(_("A vote closes in the future."), details={"field": "closes_at"})
    if not DwellingUnit.objects.filter(building=building).exists():
        raise InvalidInput(_("Import the owners' roll of the building first."), details={"field": "building"})
    with transaction.atomic():
        vote = OwnersVote.objects.create(topic=topic, building=building, question=question, matter=matter,
                                         closes_at=closes_at)
        audit_record(actor=actor, action="deliberation.vote_open", object_type="deliberation.vote", object_id=vote.pk)
    return vote


def _open_vote(vote: OwnersVote) -> OwnersVote:
    locked = OwnersVote.objects.select_for_update().get(pk=vote.pk)
    if locked.status != VoteStatus.OPEN or clock.now() >= locked.closes_at:
        raise Conflict(_("The vote closed at %(at)s; no more ballots or proxies are accepted.")
                       % {"at": locked.closes_at.isoformat(timespec="minutes")})
    return locked


def proxy_register(*, actor: Any, vote: OwnersVote, grantor: Owner, holder: Owner) -> Proxy:
    _require_manager(actor, vote.topic.area)
    if grantor.pk == holder.pk or grantor.building_id != vote.building_id or holder.building_id != vote.building_id:
        raise InvalidInput(_("A proxy is another owner of the same building."), details={"field": "holder"})
    with transaction.atomic():
        _open_vote(vote)
        if Proxy.objects.filter(vote=vote, grantor=grantor).exists():
            raise Conflict(_("%(owner)s already has a proxy in this vote.") % {"owner": grantor.name})
        proxy = Proxy.objects.create(vote=vote, grantor=grantor, holder=holder)
        audit_record(actor=actor, action="deliberation.proxy_register", object_type="deliberation.vote",
                     object_id=vote.pk, data={"grantor": grantor.pk, "holder": holder.pk})
    return proxy


def ballot_cast(*, actor: Any, vote: OwnersVote, owner: Owner, choice: str, cast_by: Owner | None = None) -> Ballot:
    """One ballot per owner, whatever the number of their dwelling units. Cast by the owner themselves (the
    actor's own owner record, or recorded by the organisers from a paper ballot) or by their registered proxy."""
    cast_by = cast_by or owner
    if choice not in Choice.values:
        raise InvalidInput(_("Unknown choice."), details={"field": "choice"})
    is_manager = manages(actor, vote.topic.area)
    if not is_manager and (cast_by.user_id is None or cast_by.user_id != getattr(actor, "pk", None)):
        raise NotFound(_("Not found."))
    if owner.building_id != vote.building_id:
        raise InvalidInput(_("%(owner)s is not an owner in this building.") % {"owner": owner.name},
                           details={"field": "owner"})
    with transaction.atomic():
        _open_vote(vote)
        if cast_by.pk != owner.pk and not Proxy.objects.filter(vote=vote, grantor=owner, holder=cast_by).exists():
            raise InvalidInput(_("%(holder)s holds no registered proxy for %(owner)s.")
                               % {"holder": cast_by.name, "owner": owner.name}, details={"field": "cast_by"})
        if Ballot.objects.filter(vote=vote, owner=owner).exists():
            raise Conflict(_("%(owner)s has already voted; one ballot per owner.") % {"owner": owner.name})
        try:
            with transaction.atomic():
                ballot = Ballot.objects.create(vote=vote, owner=owner, cast_by=cast_by, choice=choice, at=clock.now())
        except IntegrityError:
            raise Conflict(_("%(owner)s has already voted; one ballot per owner.") % {"owner": owner.name}) from None
        audit_record(actor=actor, action="deliberation.ballot_cast", object_type="deliberation.vote",
                     object_id=vote.pk, data={"owner": owner.pk, "cast_by": cast_by.pk})
    return ballot


def vote_tally(vote: OwnersVote) -> rules.Outcome:
    areas: dict[str, Decimal] = {}
    for owner_id, area in DwellingUnit.objects.filter(building=vote.building_id).values_list("owner_id", "floor_area"):
        areas[str(owner_id)] = areas.get(str(owner_id), Decimal(0)) + area
    holdings = [rules.Holding(owner, area) for owner, area in areas.items()]
    ballots = {str(o): c for o, c in vote.ballots.values_list("owner_id", "choice")}
    matter = rules.MAJOR if vote.matter in Matter.major() else rules.ORDINARY
    return rules.tally(matter=matter, holdings=holdings, ballots=ballots)


def vote_close(*, actor: Any, vote: OwnersVote) -> OwnersVote:
    """Close the vote, compute the result with its explanation and publish it on the topic's page."""
    _require_manager(actor, vote.topic.area)
    with transaction.atomic():
        locked = OwnersVote.objects.select_for_update().get(pk=vote.pk)
        if locked.status != VoteStatus.OPEN:
            raise Conflict(_("The vote is already closed."))
        outcome = vote_tally(locked)
        locked.status = VoteStatus.CLOSED
        locked.result = outcome.as_dict()
        locked.published_at = clock.now()
        locked.save(update_fields=["status", "result", "published_at"])
        audit_record(actor=actor, action="deliberation.vote_close", object_type="deliberation.vote",
                     object_id=vote.pk, data={"approved": outcome.approved})
    return locked


# ---------------------------------------------------------------------------------------------- resolutions


def resolution_adopt(*, actor: Any, topic: Topic, text: str, responsible: str, deadline: dt.date,
                     vote: OwnersVote | None = None) -> Resolution:
    _require_manager(actor, topic.area)
    if not text.strip() or not responsible.strip():
        raise InvalidInput(_("A resolution needs its text and who is responsible."), details={"field": "text"})
    if vote is not None and (vote.topic_id != topic.pk or not (vote.result or {}).get("approved")):
        raise Conflict(_("Only an approved vote of this topic can ground a resolution."))
    with transaction.atomic():
        resolution = Resolution.objects.create(topic=topic, vote=vote, text=text, responsible=responsible,
                                               deadline=deadline, created_at=clock.now())
        Topic.objects.filter(pk=topic.pk).update(status=TopicStatus.RESOLVED)
        audit_record(actor=actor, action="deliberation.resolution_adopt", object_type="deliberation.topic",
                     object_id=topic.pk, data={"resolution": resolution.pk})
    return resolution


def resolution_progress(*, actor: Any, resolution: Resolution, progress: int, note: str) -> Resolution:
    """Report progress; at 100 % the resolution is completed, and the topic once all its resolutions are."""
    _require_manager(actor, resolution.topic.area)
    if not 0 <= progress <= 100:
        raise InvalidInput(_("Progress is between 0 and 100 %."), details={"field": "progress"})
    with transaction.atomic():
        locked = Resolution.objects.select_for_update().get(pk=resolution.pk)
        if locked.status == ResolutionStatus.COMPLETED:
            raise Conflict(_("The resolution is already completed."))
        if progress < locked.progress:
            raise InvalidInput(_("Progress cannot go back (now %(now)d %%).") % {"now": locked.progress},
                               details={"field": "progress"})
        ProgressNote.objects.create(resolution=locked, progress=progress, note=note, at=clock.now())
        locked.progress = progress
        if progress == 100:
            locked.status = ResolutionStatus.COMPLETED
            locked.completed_at = clock.now()
        locked.save(update_fields=["progress", "status", "completed_at"])
        topic = locked.topic
        if not topic.resolutions.exclude(status=ResolutionStatus.COMPLETED).exists():
            Topic.objects.filter(pk=topic.pk).update(status=TopicStatus.COMPLETED)
        audit_record(actor=actor, action="deliberation.resolution_progress", object_type="deliberation.topic",
                     object_id=topic.pk, data={"resolution": locked.pk, "progress": progress})
    return locked


# ---------------------------------------------------------------------------------------------- online deliberation


def statement_add(*, actor: Any, topic: Topic, text: str) -> Statement:
    """Anyone signed in may add a statement; it waits for moderation unless the organisers add it."""
    if not (actor and actor.is_authenticated):
        raise NotFound(_("Not found."))
    text = " ".join(text.split())
    if not 3 <= len(text) <= 280:
        raise InvalidInput(_("A statement has 3 to 280 characters."), details={"field": "text"})
    if topic.statements.filter(text=text).exists():
        raise Conflict(_("This statement is already there."))
    status = StatementStatus.APPROVED if manages(actor, topic.area) else StatementStatus.PENDING
    return Statement.objects.create(topic=topic, text=text, author=actor, status=status, created_at=clock.now())


def statement_moderate(*, actor: Any, statement: Statement, approve: bool) -> Statement:
    _require_manager(actor, statement.topic.area)
    with transaction.atomic():
        statement.status = StatementStatus.APPROVED if approve else StatementStatus.REJECTED
        statement.save(update_fields=["status"])
        audit_record(actor=actor, action="deliberation.statement_moderate", object_type="deliberation.statement",
                     object_id=statement.pk, data={"approved": approve})
    return statement


def statement_vote(*, actor: Any, statement: Statement, value: int) -> StatementVote:
    """Agree (+1), disagree (−1) or pass (0); a participant may change their mind (the last vote counts)."""
    if not (actor and actor.is_authenticated):
        raise NotFound(_("Not found."))
    if value not in (-1, 0, 1):
        raise InvalidInput(_("Agree, disagree or pass."), details={"field": "value"})
    if statement.status != StatementStatus.APPROVED:
        raise Conflict(_("This statement is not open for votes."))
    vote, _created = StatementVote.objects.update_or_create(statement=statement, participant=actor,
                                                            defaults={"value": value})
    return vote


# ---------------------------------------------------------------------------------------------- community services


def assisted_matters_for(community: Area) -> list[AssistedMatter]:
    return list(AssistedMatter.objects.filter(community__isnull=True) | AssistedMatter.objects.filter(
        community=community))


def community_task_assign(*, actor: Any, community: Area, matter_code: str, title: str) -> CommunityTask:
    """Give the residents' committee a task; refused unless it is on the community's list of assisted matters."""
    if community.kind != AreaKind.COMMUNITY:
        raise InvalidInput(_("Tasks are given to communities."), details={"field": "community"})
    _require_manager(actor, community)
    matter = next((m for m in assisted_matters_for(community) if m.code == matter_code), None)
    if matter is None:
        raise InvalidInput(
            _("%(matter)s is not on %(community)s's list of assisted administrative matters; the residents' "
              "committee is not required to take it on (依法协助行政事项清单).")
            % {"matter": matter_code, "community": community.name}, details={"field": "matter"})
    with transaction.atomic():
        task = CommunityTask.objects.create(community=community, matter=matter, title=title, assigned_by=actor,
                                            created_at=clock.now())
        audit_record(actor=actor, action="deliberation.community_task_assign", object_type="deliberation.task",
                     object_id=task.pk, data={"matter": matter.code})
    return task


def building_with_roll(*, actor: Any, area: Area, code: str, name: str, declared_area: Decimal,
                       rows: list[RollRow]) -> Building:
    """Register a building (or update its declared total) and import its owners' roll, all or nothing."""
    _require_manager(actor, area)
    with transaction.atomic():
        building, _created = Building.objects.update_or_create(
            code=code, defaults={"area": area, "name": name, "declared_area": declared_area})
        roll_import(actor=actor, building=building, rows=rows)
    return building
