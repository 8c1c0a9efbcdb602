from django.urls import URLPattern, path  # noqa: F401 - filled in by the analytics pages

app_name = "analytics"
urlpatterns: list[URLPattern] = []
