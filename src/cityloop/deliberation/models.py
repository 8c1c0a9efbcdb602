"""Community deliberation (协商议事): topics, meetings, owners' votes, resolutions, online statements, services."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.deliberation.choices import (
    Attendance,
    Choice,
    Matter,
    MeetingKind,
    PartyKind,
    ResolutionStatus,
    StatementStatus,
    TopicKind,
    TopicStatus,
    VoteStatus,
)
from cityloop.organisation.models import Area, Unit

USER = settings.AUTH_USER_MODEL


class Record(models.Model):
    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Topic(Record):
    """A matter the community deliberates (议题)."""

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=TopicKind.choices)
    description = models.TextField(_("description"), blank=True)
    area = models.ForeignKey(Area, verbose_name=_("affected area"), on_delete=models.PROTECT, related_name="+")
    proposer = models.ForeignKey(USER, verbose_name=_("proposer"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=TopicStatus.choices, default=TopicStatus.OPEN)
    public = models.BooleanField(_("public"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Party(Record):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="parties")
    kind = models.CharField(_("kind"), max_length=20, choices=PartyKind.choices)
    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    email = models.EmailField(_("e-mail"), blank=True)


def document_path(instance: "Document", filename: str) -> str:
    return f"deliberation/{instance.topic_id}/{filename}"


class Document(Record):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(_("name"), max_length=200)
    file = models.FileField(_("file"), upload_to=document_path)
    content_type = models.CharField(max_length=60)
    uploaded_at = models.DateTimeField()


class Meeting(Record):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices)
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=200)
    online_url = models.CharField(_("online link"), max_length=300, blank=True,
                                  help_text=_("For those who cannot come in person."))
    agenda = models.TextField(_("agenda"))
    minutes = models.TextField(_("minutes"), blank=True)
    held = models.BooleanField(default=False)

    class Meta:
        ordering = ["starts_at", "pk"]


class Invitation(Record):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    party = models.ForeignKey(Party, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    attendance = models.CharField(_("attendance"), max_length=10, choices=Attendance.choices,
                                  default=Attendance.INVITED)
    sent_at = models.DateTimeField(null=True, blank=True)


class Opinion(Record):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="opinions")
    speaker = models.CharField(_("speaker"), max_length=100)
    text = models.TextField(_("opinion"))
    online = models.BooleanField(_("given online"), default=False)
    at = models.DateTimeField()


class Building(Record):
    """An electorate for owners' votes: a building or an estate with its registered exclusive floor area."""

    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    declared_area = models.DecimalField(_("declared total exclusive area (m²)"), max_digits=12, decimal_places=2)

    def __str__(self) -> str:
        return self.name


class Owner(Record):
    """One owner (业主) in a building; owning several dwelling units still makes one owner."""

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="owners")
    key = models.CharField(_("owner id"), max_length=64)
    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["building", "key"], name="deliberation_owner_once")]

    def __str__(self) -> str:
        return self.name


class DwellingUnit(Record):
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="dwellings")
    code = models.CharField(_("unit code"), max_length=32)
    owner = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="dwellings")
    floor_area = models.DecimalField(_("floor area (m²)"), max_digits=10, decimal_places=2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["building", "code"], name="deliberation_dwelling_once")]


class OwnersVote(Record):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="votes")
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="votes")
    question = models.CharField(_("question"), max_length=300)
    matter = models.CharField(_("matter"), max_length=20, choices=Matter.choices)
    closes_at = models.DateTimeField(_("closes at"))
    status = models.CharField(max_length=10, choices=VoteStatus.choices, default=VoteStatus.OPEN)
    result = models.JSONField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)


class Proxy(Record):
    """A registered proxy: `grantor` lets `holder` vote for them in one vote."""

    vote = models.ForeignKey(OwnersVote, on_delete=models.CASCADE, related_name="proxies")
    grantor = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="+")
    holder = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "grantor"], name="deliberation_proxy_once")]


class Ballot(Record):
    vote = models.ForeignKey(OwnersVote, on_delete=models.CASCADE, related_name="ballots")
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="ballots")
    cast_by = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=10, choices=Choice.choices)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["vote", "owner"], name="deliberation_ballot_once")]


class Resolution(Record):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="resolutions")
    vote = models.ForeignKey(OwnersVote, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("resolution"))
    responsible = models.CharField(_("responsible"), max_length=100)
    deadline = models.DateField(_("deadline"))
    progress = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=12, choices=ResolutionStatus.choices, default=ResolutionStatus.IN_PROGRESS)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)


class ProgressNote(Record):
    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="notes")
    progress = models.PositiveSmallIntegerField(_("progress (%)"))
    note = models.CharField(_("note"), max_length=300)
    at = models.DateTimeField()


class Statement(Record):
    """A short statement in the online deliberation (Polis "comment")."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="statements")
    text = models.CharField(_("statement"), max_length=280)
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=StatementStatus.choices, default=StatementStatus.PENDING)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]


class StatementVote(Record):
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField()  # +1 agree, −1 disagree, 0 pass

    class Meta:
        constraints = [models.UniqueConstraint(fields=["statement", "participant"],
                                               name="deliberation_statement_vote_once")]


class AssistedMatter(Record):
    """An item of the residents' committee's list of assisted administrative matters (依法协助行政事项清单).

    `community` empty: the item is on every community's list."""

    community = models.ForeignKey(Area, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    department = models.CharField(_("department"), max_length=100, blank=True)


class CommunityTask(Record):
    community = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    matter = models.ForeignKey(AssistedMatter, on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(_("title"), max_length=200)
    assigned_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    done = models.BooleanField(default=False)


class SocialOrganisation(Record):
    name = models.CharField(_("name"), max_length=100, unique=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")


class OrganisationService(Record):
    organisation = models.ForeignKey(SocialOrganisation, on_delete=models.CASCADE, related_name="services")
    category = models.CharField(_("category"), max_length=32)
    name = models.CharField(_("service"), max_length=100)


class CommunityNeed(Record):
    community = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(_("category"), max_length=32)
    text = models.CharField(_("need"), max_length=200)
