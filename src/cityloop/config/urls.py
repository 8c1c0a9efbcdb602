from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from cityloop.config.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
urlpatterns += i18n_patterns(path("admin/", admin.site.urls), prefix_default_language=False)
