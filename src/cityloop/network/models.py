"""The organisation network (组织网络): building groups, party organisations, office buildings, regional party
building and community workers.

Every record that belongs to a place keeps `area_path` (the materialised path of its area) so that the gates
scope it the way they scope tickets: a membership's area subtree sees the records located in it.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.core import clock
from cityloop.core.models import TimeStampedModel
from cityloop.organisation.models import Area, Unit
from cityloop.security.access import Grants
from cityloop.security.masking import mask_name, mask_phone


class AreaScoped(TimeStampedModel):
    """A record placed in the area tree, gated by its `area_path`."""

    area_path = models.CharField(_("area path"), max_length=255, db_index=True, editable=False, default="")

    class Meta:
        abstract = True

    @classmethod
    def scope_filter(cls, grants: Grants) -> models.Q:
        q = models.Q(pk__in=[])
        for path in grants.area_paths:
            q |= models.Q(area_path__startswith=path)
        return q

    def in_scope(self, grants: Grants) -> bool:
        return any(self.area_path.startswith(path) for path in grants.area_paths)


def ancestor_paths(path: str) -> list[str]:
    """The paths of the area and of every area above it."""
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[:i]) for i in range(1, len(parts) + 1)]


class SharedUpward(AreaScoped):
    """A record of a wider area that the people of every area inside it also see (a joint meeting of a street
    is seen by its communities), besides those whose scope covers it."""

    class Meta:
        abstract = True

    @classmethod
    def scope_filter(cls, grants: Grants) -> models.Q:
        q = super().scope_filter(grants)
        above = [p for path in grants.area_paths for p in ancestor_paths(path)]
        return q | models.Q(area_path__in=above) if above else q

    def in_scope(self, grants: Grants) -> bool:
        return super().in_scope(grants) or any(self.area_path in ancestor_paths(p) for p in grants.area_paths)


# --- building groups (楼组) -----------------------------------------------------------------------------------

class BuildingGroup(AreaScoped):
    """A residential building's group (楼组) and its leader (楼组长)."""

    building = models.OneToOneField(Area, verbose_name=_("building"), on_delete=models.CASCADE,
                                    related_name="building_group", limit_choices_to={"kind": "building"})
    community = models.ForeignKey(Unit, verbose_name=_("residents' committee"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="building_groups")
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("building-group leader"), null=True,
                               blank=True, on_delete=models.SET_NULL, related_name="led_building_groups")
    leader_name = models.CharField(_("leader's name"), max_length=50, blank=True)
    leader_phone = models.CharField(_("leader's phone"), max_length=32, blank=True)
    leader_email = models.EmailField(_("leader's e-mail"), blank=True)

    class Meta:
        verbose_name = _("building group")
        verbose_name_plural = _("building groups")
        ordering = ["area_path"]

    def __str__(self) -> str:
        return str(self.building)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.area_path = self.building.path
        super().save(*args, **kwargs)

    @property
    def leader_name_masked(self) -> str:
        return mask_name(self.leader_name)

    @property
    def leader_phone_masked(self) -> str:
        return mask_phone(self.leader_phone)

    @property
    def notify_address(self) -> str:
        return self.leader_email or (self.leader.email if self.leader is not None else "")


class Household(AreaScoped):
    """A household of a building; personal data shown masked."""

    group = models.ForeignKey(BuildingGroup, verbose_name=_("building group"), on_delete=models.CASCADE,
                              related_name="households")
    dwelling = models.ForeignKey(Area, verbose_name=_("dwelling unit"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    room = models.CharField(_("room"), max_length=20)
    head_name = models.CharField(_("head of household"), max_length=50)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    size = models.PositiveSmallIntegerField(_("people"), default=1)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["group", "room"]

    def __str__(self) -> str:
        return f"{self.group} {self.room}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.area_path = self.group.area_path
        super().save(*args, **kwargs)

    @property
    def head_name_masked(self) -> str:
        return mask_name(self.head_name)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


# --- office buildings (楼宇) ----------------------------------------------------------------------------------

class OfficeBuilding(AreaScoped):
    """An office building (商务楼宇) and the basics of the five facts."""

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="office_buildings")
    address = models.CharField(_("address"), max_length=200, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), default=0)
    floor_area = models.PositiveIntegerField(_("floor area (m²)"), default=0)
    property_manager = models.CharField(_("property manager"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("office building")
        verbose_name_plural = _("office buildings")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.area_path = self.area.path
        super().save(*args, **kwargs)


class ServiceStation(AreaScoped):
    """A party-building service station (党建服务站) of an office building."""

    building = models.OneToOneField(OfficeBuilding, verbose_name=_("office building"), on_delete=models.CASCADE,
                                    related_name="station")
    name = models.CharField(_("name"), max_length=100)
    keeper = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("station keeper"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("service station")
        verbose_name_plural = _("service stations")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.area_path = self.building.area_path
        super().save(*args, **kwargs)


class EnterpriseSize(models.TextChoices):
    MICRO = "micro", _("Micro")
    SMALL = "small", _("Small")
    MEDIUM = "medium", _("Medium")
    LARGE = "large", _("Large")


class Rating(models.TextChoices):
    """The five-colour stability rating, best first."""

    GREEN = "green", _("Green")
    BLUE = "blue", _("Blue")
    YELLOW = "yellow", _("Yellow")
    ORANGE = "orange", _("Orange")
    RED = "red", _("Red")


RATING_ORDER = [r.value for r in Rating]


class Enterprise(AreaScoped):
    """An enterprise in an office building (入驻单位)."""

    building = models.ForeignKey(OfficeBuilding, verbose_name=_("office building"), on_delete=models.CASCADE,
                                 related_name="enterprises")
    name = models.CharField(_("name"), max_length=100)
    industry = models.CharField(_("industry"), max_length=50, blank=True)
    size = models.CharField(_("size"), max_length=10, choices=EnterpriseSize.choices, default=EnterpriseSize.SMALL)
    employees = models.PositiveIntegerField(_("employees"), default=0)
    rating = models.CharField(_("stability rating"), max_length=10, choices=Rating.choices, default=Rating.GREEN)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["building", "name"]
        constraints = [models.UniqueConstraint(fields=["building", "name"], name="network_enterprise_unique")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.area_path = self.building.area_path
        super().save(*args, **kwargs)


class RatingChange(TimeStampedModel):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="rating_changes")
    from_rating = models.CharField(_("from"), max_length=10, choices=Rating.choices)
    to_rating = models.CharField(_("to"), max_length=10, choices=Rating.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]


class FollowUp(AreaScoped):
    """A follow-up task for the building's service station after an enterprise's rating dropped."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE,
                                   related_name="follow_ups")
    station = models.ForeignKey(ServiceStation, verbose_name=_("service station"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="follow_ups")
    reason = models.CharField(_("reason"), max_length=200)
    due_date = models.DateField(_("due date"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["done_at", "due_date", "pk"]

    def __str__(self) -> str:
        return f"{self.enterprise}: {self.reason}"


class BuildingSurvey(TimeStampedModel):
    """One periodic survey of the five facts (摸清五个情况); `changes` is the difference from the one before."""

    building = models.ForeignKey(OfficeBuilding, verbose_name=_("office building"), on_delete=models.CASCADE,
                                 related_name="surveys")
    surveyor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("surveyor"), null=True,
                                 on_delete=models.SET_NULL, related_name="+")
    surveyed_at = models.DateTimeField(_("surveyed at"), default=clock.now)
    facts = models.JSONField(_("facts"), default=dict)
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        verbose_name = _("building survey")
        verbose_name_plural = _("building surveys")
        ordering = ["-surveyed_at", "-pk"]


class BuildingPolicy(TimeStampedModel):
    """One building, one policy (一楼一策)."""

    building = models.OneToOneField(OfficeBuilding, verbose_name=_("office building"), on_delete=models.CASCADE,
                                    related_name="policy")
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        verbose_name = _("building policy")
        verbose_name_plural = _("building policies")


class PolicyMeasure(TimeStampedModel):
    policy = models.ForeignKey(BuildingPolicy, on_delete=models.CASCADE, related_name="measures")
    text = models.CharField(_("measure"), max_length=200)
    owner = models.CharField(_("owner"), max_length=100)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    due_date = models.DateField(_("due date"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]


# --- party organisations ------------------------------------------------------------------------------------

class PartyOrgKind(models.TextChoices):
    COMMITTEE = "committee", _("Party committee")
    GENERAL_BRANCH = "general_branch", _("General branch")
    BRANCH = "branch", _("Branch")


class PartyOrganisation(AreaScoped):
    """A party organisation set up in a residential building (支部建在楼上) or in an office building."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=PartyOrgKind.choices, default=PartyOrgKind.BRANCH)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    office_building = models.ForeignKey(OfficeBuilding, verbose_name=_("office building"), null=True, blank=True,
                                        on_delete=models.CASCADE, related_name="party_organisations")
    community = models.ForeignKey(Unit, verbose_name=_("community"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    joint_meeting = models.ForeignKey("JointMeeting", verbose_name=_("joint meeting"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="party_organisations")

    class Meta:
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.area_path = self.office_building.area_path if self.office_building else self.area.path
        super().save(*args, **kwargs)


class PartyMember(AreaScoped):
    organisation = models.ForeignKey(PartyOrganisation, verbose_name=_("party organisation"),
                                     on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    volunteer = models.BooleanField(_("registered volunteer"), default=False)
    volunteer_skills = models.CharField(_("volunteer skills"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["organisation", "pk"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.area_path = self.organisation.area_path
        super().save(*args, **kwargs)

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


# --- regional party building (区域化党建) ---------------------------------------------------------------------

class JointMeeting(SharedUpward):
    """The joint meeting (联席会议) of the units of an area and their co-building agreement."""

    name = models.CharField(_("name"), max_length=100)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="+")
    agreement = models.TextField(_("co-building agreement"), blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    members = models.ManyToManyField(Unit, verbose_name=_("member units"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.area_path = self.area.path
        super().save(*args, **kwargs)


class ListCategory(models.TextChoices):
    ELDERLY = "elderly", _("Elderly care")
    CHILDREN = "children", _("Children and youth")
    ENVIRONMENT = "environment", _("Environment")
    HEALTH = "health", _("Health")
    EMPLOYMENT = "employment", _("Employment")
    CULTURE = "culture", _("Culture")
    LEGAL = "legal", _("Legal aid")
    VENUE = "venue", _("Venues")


class Need(AreaScoped):
    """An entry of the needs list (需求清单) raised by a community."""

    meeting = models.ForeignKey(JointMeeting, on_delete=models.CASCADE, related_name="needs")
    area = models.ForeignKey(Area, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=16, choices=ListCategory.choices)
    title = models.CharField(_("title"), max_length=100)
    quantity = models.PositiveIntegerField(_("people or places needed"), default=1)
    open = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-open", "pk"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.area_path = self.area.path
        super().save(*args, **kwargs)


class Resource(SharedUpward):
    """An entry of the resources list (资源清单) offered by a member unit."""

    meeting = models.ForeignKey(JointMeeting, on_delete=models.CASCADE, related_name="resources")
    unit = models.ForeignKey(Unit, verbose_name=_("offered by"), on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=16, choices=ListCategory.choices)
    title = models.CharField(_("title"), max_length=100)
    capacity = models.PositiveIntegerField(_("capacity"), default=1)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # scoped by the meeting's area: every member of the meeting may see its resources
        self.area_path = self.meeting.area_path
        super().save(*args, **kwargs)


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class Project(AreaScoped):
    """An entry of the projects list (项目清单): a need met with a resource, tracked to completion."""

    meeting = models.ForeignKey(JointMeeting, on_delete=models.CASCADE, related_name="projects")
    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.PROTECT, related_name="projects")
    resource = models.ForeignKey(Resource, verbose_name=_("resource"), on_delete=models.PROTECT,
                                 related_name="projects")
    title = models.CharField(_("title"), max_length=100)
    status = models.CharField(_("status"), max_length=16, choices=ProjectStatus.choices,
                              default=ProjectStatus.PLANNED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.area_path = self.need.area_path
        super().save(*args, **kwargs)


# --- community workers ----------------------------------------------------------------------------------------

class CareerGrade(models.TextChoices):
    """The career ladder of community workers (三岗十八级, grouped)."""

    JUNIOR = "junior", _("Junior (grades 1-6)")
    INTERMEDIATE = "intermediate", _("Intermediate (grades 7-12)")
    SENIOR = "senior", _("Senior (grades 13-18)")


class CommunityWorker(AreaScoped):
    community = models.ForeignKey(Unit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    position = models.CharField(_("position"), max_length=50, blank=True)
    grade = models.CharField(_("career grade"), max_length=16, choices=CareerGrade.choices,
                             default=CareerGrade.JUNIOR)
    level = models.PositiveSmallIntegerField(_("level"), default=1)

    class Meta:
        verbose_name = _("community worker")
        verbose_name_plural = _("community workers")
        ordering = ["community", "name"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.area_path = self.community.area.path
        super().save(*args, **kwargs)

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)


class TrainingRecord(TimeStampedModel):
    worker = models.ForeignKey(CommunityWorker, on_delete=models.CASCADE, related_name="trainings")
    course = models.CharField(_("course"), max_length=100)
    hours = models.PositiveSmallIntegerField(_("hours"), default=1)
    taken_on = models.DateField(_("taken on"))

    class Meta:
        ordering = ["-taken_on"]


class LeaderNotice(TimeStampedModel):
    """That a building-group leader was told of a ticket in their building (so they are told once)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(BuildingGroup, on_delete=models.CASCADE, related_name="notices")
    address = models.CharField(max_length=254)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "group"], name="network_notice_once")]
