from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from cityloop.config.api import api
from cityloop.web import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", views.home, name="home"),
]
