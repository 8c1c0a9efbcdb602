"""Public participation: consultations on drafts (征求意见), surveys, and deputies' joint reception (联合接待)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.core import clock
from cityloop.core.models import TimeStampedModel
from cityloop.organisation.choices import AreaKind
from cityloop.organisation.models import Area, Unit
from cityloop.participation.choices import (
    BookingChannel,
    Decision,
    DeputyKind,
    DeputyLevel,
    IssueOutcome,
    ModerationAction,
    OpinionChannel,
    Phase,
    QuestionKind,
    Stance,
)
from cityloop.tickets.models import Ticket

USER = settings.AUTH_USER_MODEL
# A comment is at most this many characters (CONSUL: 1000; a clause-by-clause opinion needs more).
OPINION_MAX_CHARS = 2000


# --- consultations -------------------------------------------------------------------------------------------


class Consultation(TimeStampedModel):
    """A draft decision, plan or regulation put to the public, with its phases and their dates."""

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    office = models.ForeignKey(Unit, verbose_name=_("responsible office"), on_delete=models.PROTECT,
                               related_name="consultations")
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, default=Phase.DRAFT)
    opens_at = models.DateTimeField(_("comments open"))
    closes_at = models.DateTimeField(_("comments close"))
    analysis_ends_at = models.DateTimeField(_("analysis ends"), null=True, blank=True)
    published_at = models.DateTimeField(_("result published at"), null=True, blank=True)
    report_summary = models.TextField(_("feedback report summary"), blank=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-opens_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")),
                                              name="consultation_closes_after_opening")]

    def __str__(self) -> str:
        return self.title


class DraftVersion(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("draft version")
        verbose_name_plural = _("draft versions")
        ordering = ["consultation", "-number"]
        constraints = [models.UniqueConstraint(fields=["consultation", "number"], name="draft_version_unique")]

    def __str__(self) -> str:
        return f"{self.consultation_id} v{self.number}"


class Section(models.Model):
    """One numbered part of a draft version (an article 条, a chapter), in order."""

    version = models.ForeignKey(DraftVersion, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(_("position"))
    number = models.CharField(_("number"), max_length=40)  # as printed: "第三条", "3.2"
    heading = models.CharField(_("heading"), max_length=200, blank=True)
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "position"], name="section_position_unique")]

    def __str__(self) -> str:
        return f"{self.number} {self.heading}".strip()


class ContactPoint(TimeStampedModel):
    """A grassroots legislative contact point (基层立法联系点) whose staff submit opinions for residents."""

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    staff = models.ManyToManyField(USER, verbose_name=_("staff"), blank=True,  # type: ignore[var-annotated]
                                   related_name="contact_points")

    class Meta:
        verbose_name = _("legislative contact point")
        verbose_name_plural = _("legislative contact points")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OpinionGroup(models.Model):
    """Similar opinions answered together; the group's decision applies to every member without its own."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="groups")
    label = models.CharField(_("label"), max_length=200)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=clock.now)

    class Meta:
        verbose_name = _("opinion group")
        verbose_name_plural = _("opinion groups")
        ordering = ["consultation", "id"]

    def __str__(self) -> str:
        return self.label


class Opinion(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="opinions")
    section = models.ForeignKey(Section, verbose_name=_("section"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="opinions")
    channel = models.CharField(_("channel"), max_length=16, choices=OpinionChannel.choices)
    body = models.TextField(_("opinion"), max_length=OPINION_MAX_CHARS)
    author = models.ForeignKey(USER, verbose_name=_("author account"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="opinions")
    author_name = models.CharField(_("name"), max_length=100, blank=True)
    author_contact = models.CharField(_("contact"), max_length=254, blank=True)
    entered_by = models.ForeignKey(USER, verbose_name=_("entered by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    contact_point = models.ForeignKey(ContactPoint, verbose_name=_("contact point"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="opinions")
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    # Message-ID of an imported e-mail, so that importing a folder twice adds nothing.
    external_ref = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(_("received at"), default=clock.now, db_index=True)
    late = models.BooleanField(_("late"), default=False)
    hidden = models.BooleanField(_("hidden"), default=False)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    stance = models.CharField(_("stance"), max_length=16, choices=Stance.choices)
    stance_manual = models.BooleanField(_("stance set by staff"), default=False)
    group = models.ForeignKey(OpinionGroup, verbose_name=_("group"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="opinions")
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        ordering = ["consultation", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "ticket"], name="opinion_ticket_once"),
            models.UniqueConstraint(fields=["consultation", "external_ref"], condition=~models.Q(external_ref=""),
                                    name="opinion_external_once"),
        ]
        indexes = [models.Index(fields=["author", "created_at"], name="opinion_author_time")]

    def __str__(self) -> str:
        return self.body[:40]

    @property
    def effective_decision(self) -> str:
        if self.decision or self.group is None:
            return self.decision
        return self.group.decision

    @property
    def effective_reason(self) -> str:
        if self.decision or self.group is None:
            return self.reason
        return self.group.reason


class OpinionSupport(models.Model):
    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["opinion", "user"], name="support_once")]

    def __str__(self) -> str:
        return f"{self.opinion_id} {self.user_id}"


class OpinionReport(models.Model):
    """A person's flag on an opinion; enough flags from distinct people hide it."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="reports")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["opinion", "user"], name="report_once")]

    def __str__(self) -> str:
        return f"{self.opinion_id} {self.user_id}"


class ModerationEvent(models.Model):
    """Append-only history of hiding and showing an opinion."""

    opinion = models.ForeignKey(Opinion, on_delete=models.CASCADE, related_name="moderation")
    action = models.CharField(_("action"), max_length=16, choices=ModerationAction.choices)
    reason = models.CharField(_("reason"), max_length=300)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.opinion_id} {self.action}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise ValueError("moderation events are append-only")
        super().save(*args, **kwargs)


# --- surveys -------------------------------------------------------------------------------------------------


class Survey(TimeStampedModel):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Free-text answers to a survey of a consultation become opinions with the channel "survey".
    consultation = models.ForeignKey(Consultation, verbose_name=_("consultation"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="surveys")
    # Only residents on the resident list of a community in this area may answer (empty: every verified resident).
    residents_of = models.ForeignKey(
        Area, verbose_name=_("only residents of"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind__in": [AreaKind.CITY, AreaKind.DISTRICT, AreaKind.STREET, AreaKind.COMMUNITY]},
        help_text=_("Leave empty to let every verified resident answer."))
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-opens_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=16, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    options = models.JSONField(_("options"), default=list, blank=True)  # list of strings (choice questions)
    scale_max = models.PositiveSmallIntegerField(_("scale maximum"), default=5)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "position"]

    def __str__(self) -> str:
        return self.text


class SurveyResponse(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    # For a survey restricted to listed residents: the listed resident's account key (`ListedResident.key`),
    # so that someone on the list with a phone and an e-mail answers once, whichever account they use.
    resident_key = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "respondent"], name="survey_response_once"),
            models.UniqueConstraint(fields=["survey", "resident_key"], condition=~models.Q(resident_key=""),
                                    name="survey_response_once_per_resident"),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} {self.respondent_id}"


class Answer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choices = models.JSONField(default=list, blank=True)  # option indexes
    scale = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True, max_length=OPINION_MAX_CHARS)

    def __str__(self) -> str:
        return f"{self.response_id} {self.question_id}"


# --- resident lists ------------------------------------------------------------------------------------------


class ResidentList(models.Model):
    """A community's list of its residents (居民名单), imported by its staff; a new import replaces it.

    `rejected` keeps the last import's refused rows as [{"row": n, "code": reason code, ...params}] so that the
    report can be read again, in the reader's language (`selectors.REJECT_REASONS`).
    """

    community = models.OneToOneField(Area, verbose_name=_("community"), on_delete=models.PROTECT,
                                     related_name="+")
    file_name = models.CharField(_("file"), max_length=200)
    imported_at = models.DateTimeField(_("imported at"), default=clock.now)
    imported_by = models.ForeignKey(USER, verbose_name=_("imported by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    rejected = models.JSONField(_("rejected rows"), default=list, blank=True)

    class Meta:
        verbose_name = _("resident list")
        verbose_name_plural = _("resident lists")

    def __str__(self) -> str:
        return str(self.community_id)


class ListedResident(models.Model):
    """One person on a community's resident list, with the contacts they can verify with.

    Whoever signs in with the phone or e-mail of a row is that listed resident: `phone_account` and
    `email_account` are the usernames of the citizen accounts of those contacts (`portal.services.
    citizen_username`), so signing in before or after the import makes no difference.
    """

    resident_list = models.ForeignKey(ResidentList, on_delete=models.CASCADE, related_name="residents")
    row = models.PositiveIntegerField(_("row"))  # in the imported file, as a spreadsheet numbers it
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("mobile phone"), max_length=32, blank=True)  # normal form (portal.contacts)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)  # normal form
    building = models.CharField(_("building"), max_length=50, blank=True)
    unit = models.CharField(_("dwelling unit"), max_length=50, blank=True)
    phone_account = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    email_account = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = _("listed resident")
        verbose_name_plural = _("listed residents")
        ordering = ["resident_list", "row"]
        constraints = [models.CheckConstraint(condition=~models.Q(phone="", email=""),
                                              name="listed_resident_has_contact")]

    def __str__(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        """The one key of the person, the same whichever of their contacts they signed in with."""
        return self.phone_account or self.email_account


# --- joint reception -----------------------------------------------------------------------------------------


class LiaisonStation(TimeStampedModel):
    """A deputies' liaison station (代表联络站); its organising unit's staff run its receptions."""

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name=_("organising unit"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("liaison station")
        verbose_name_plural = _("liaison stations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Deputy(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=DeputyKind.choices)
    level = models.CharField(_("level"), max_length=16, choices=DeputyLevel.choices)
    station = models.ForeignKey(LiaisonStation, verbose_name=_("liaison station"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="deputies")
    user = models.OneToOneField(USER, verbose_name=_("account"), null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="deputy")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("deputy")
        verbose_name_plural = _("deputies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Reception(TimeStampedModel):
    station = models.ForeignKey(LiaisonStation, verbose_name=_("liaison station"), on_delete=models.PROTECT,
                                related_name="receptions")
    topic = models.CharField(_("topic"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    deputies = models.ManyToManyField(Deputy, verbose_name=_("deputies"), related_name="receptions")
    published_at = models.DateTimeField(_("published at"))
    cancelled = models.BooleanField(_("cancelled"), default=False)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("reception")
        verbose_name_plural = _("receptions")
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.station} {self.starts_at:%Y-%m-%d}"


class ReceptionSlot(models.Model):
    reception = models.ForeignKey(Reception, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))

    class Meta:
        ordering = ["reception", "starts_at"]

    def __str__(self) -> str:
        return f"{self.starts_at:%H:%M}"


class Booking(models.Model):
    slot = models.ForeignKey(ReceptionSlot, on_delete=models.PROTECT, related_name="bookings")
    citizen = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    topic = models.CharField(_("what you want to raise"), max_length=500)
    channel = models.CharField(_("booked"), max_length=16, choices=BookingChannel.choices)
    booked_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["slot", "created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["slot", "citizen"], name="booking_once_per_slot")]

    def __str__(self) -> str:
        return self.name


class ReceptionRecord(models.Model):
    reception = models.OneToOneField(Reception, on_delete=models.PROTECT, related_name="record")
    received_by = models.ManyToManyField(Deputy, verbose_name=_("deputies who received"), related_name="+")
    attendees = models.TextField(_("who came"))
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.reception_id} {self.recorded_at:%Y-%m-%d}"


class ReceptionIssue(models.Model):
    """One matter raised at a reception, tracked until it has an answer and the citizen was told."""

    record = models.ForeignKey(ReceptionRecord, on_delete=models.PROTECT, related_name="issues")
    deputy = models.ForeignKey(Deputy, verbose_name=_("deputy following it up"), on_delete=models.PROTECT,
                               related_name="issues")
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    citizen_name = models.CharField(_("citizen name"), max_length=100)
    citizen_phone = models.CharField(_("citizen phone"), max_length=32, blank=True)
    citizen_email = models.EmailField(_("citizen e-mail"), blank=True)
    content = models.TextField(_("what was raised"), max_length=OPINION_MAX_CHARS)
    outcome = models.CharField(_("outcome"), max_length=16, choices=IssueOutcome.choices)
    answer = models.TextField(_("answer"), blank=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    motion_ref = models.CharField(_("motion or proposal number"), max_length=100, blank=True)
    due_at = models.DateTimeField(_("answer due"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    citizen_told_at = models.DateTimeField(_("citizen told at"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("reception issue")
        verbose_name_plural = _("reception issues")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.content[:40]
