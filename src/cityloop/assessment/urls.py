from django.urls import URLPattern, path  # noqa: F401 - filled in by the assessment pages

app_name = "assessment"
urlpatterns: list[URLPattern] = []
