from django.urls import URLPattern, path  # noqa: F401 - filled in by the handling pages

app_name = "handling"
urlpatterns: list[URLPattern] = []
