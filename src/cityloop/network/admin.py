from django.contrib import admin

from cityloop.network import models


@admin.register(models.BuildingGroup)
class BuildingGroupAdmin(admin.ModelAdmin):
    list_display = ("building", "community", "leader")
    raw_id_fields = ("building", "community", "leader")


@admin.register(models.OfficeBuilding)
class OfficeBuildingAdmin(admin.ModelAdmin):
    list_display = ("name", "area", "floors")
    raw_id_fields = ("area",)


@admin.register(models.Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("name", "building", "industry", "size", "rating")
    list_filter = ("rating", "size")


@admin.register(models.JointMeeting)
class JointMeetingAdmin(admin.ModelAdmin):
    list_display = ("name", "area", "signed_on")
    raw_id_fields = ("area",)
    filter_horizontal = ("members",)


@admin.register(models.PartyOrganisation)
class PartyOrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "community", "joint_meeting")
    raw_id_fields = ("area", "office_building", "community")
