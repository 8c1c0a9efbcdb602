from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from cityloop.config.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("tickets/", include("cityloop.tickets.urls")),
    path("intake/", include("cityloop.intake.urls")),
    path("dispatch/", include("cityloop.dispatch.urls")),
    path("handling/", include("cityloop.handling.urls")),
    path("supervision/", include("cityloop.assessment.urls")),
    path("analysis/", include("cityloop.analytics.urls")),
    path("portal/", include("cityloop.portal.urls")),
    path("participation/", include("cityloop.participation.urls")),
    path("open311/v2/", include("cityloop.open311.urls")),
    path("deliberation/", include("cityloop.deliberation.urls")),
    path("network/", include("cityloop.network.urls")),
    path("", include("cityloop.web.urls")),
]
