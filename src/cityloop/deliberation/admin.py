from django.contrib import admin

from cityloop.deliberation.models import (
    AssistedMatter,
    Building,
    CommunityNeed,
    OrganisationService,
    SocialOrganisation,
    Topic,
)


class ServiceInline(admin.TabularInline):
    model = OrganisationService
    extra = 1


@admin.register(SocialOrganisation)
class SocialOrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "area"]
    inlines = [ServiceInline]


@admin.register(AssistedMatter)
class AssistedMatterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "community", "department"]
    list_filter = ["community"]


admin.site.register(CommunityNeed)
admin.site.register(Building)
admin.site.register(Topic)
