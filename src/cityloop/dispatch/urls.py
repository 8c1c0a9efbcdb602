from django.urls import URLPattern, path  # noqa: F401 - filled in by the dispatch pages

app_name = "dispatch"
urlpatterns: list[URLPattern] = []
