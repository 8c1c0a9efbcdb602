from django.db import models
from django.utils.translation import gettext_lazy as _


class TopicKind(models.TextChoices):
    REPAIR = "repair", _("House repair")  # 房屋整修
    FACILITY = "facility", _("Facility renovation")  # 设施改造
    ENVIRONMENT = "environment", _("Environment upkeep")  # 环境维护
    OTHER = "other", _("Other")


class TopicStatus(models.TextChoices):
    OPEN = "open", _("Under deliberation")
    RESOLVED = "resolved", _("Resolved")
    COMPLETED = "completed", _("Completed")


class PartyKind(models.TextChoices):
    RESIDENTS = "residents", _("Residents' representatives")  # 居民代表
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee")  # 业委会
    PROPERTY_COMPANY = "property_company", _("Property company")  # 物业公司
    PARTY = "party", _("Party organisation")  # 党组织
    SOCIAL = "social", _("Social organisation")  # 社会组织
    UNIT = "unit", _("Unit")


class MeetingKind(models.TextChoices):
    HEARING = "hearing", _("Hearing")  # 听证会
    REVIEW = "review", _("Review meeting")  # 评议会
    COORDINATION = "coordination", _("Coordination meeting")  # 协调会


class Attendance(models.TextChoices):
    INVITED = "invited", _("Invited")
    PRESENT = "present", _("Present")
    ONLINE = "online", _("Online")
    ABSENT = "absent", _("Absent")


class Matter(models.TextChoices):
    """Art. 278 ¶1: items 6–8 are major (three quarters); the others ordinary (more than half)."""

    ORDINARY = "ordinary", _("Ordinary matter")
    MAINTENANCE_FUNDS = "maintenance_funds", _("Raising maintenance funds (major)")  # 筹集维修资金
    REBUILD = "rebuild", _("Rebuilding or altering buildings (major)")  # 改建、重建
    COMMON_USE = "common_use", _("Changing the use of common parts (major)")  # 改变共有部分用途

    @classmethod
    def major(cls) -> set[str]:
        return {cls.MAINTENANCE_FUNDS, cls.REBUILD, cls.COMMON_USE}


class VoteStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Choice(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    ABSTAIN = "abstain", _("Abstain")


class ResolutionStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class StatementStatus(models.TextChoices):
    PENDING = "pending", _("Pending moderation")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
