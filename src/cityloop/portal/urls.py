from django.urls import URLPattern, path  # noqa: F401 - filled in by the citizen portal

app_name = "portal"
urlpatterns: list[URLPattern] = []
