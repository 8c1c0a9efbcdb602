from django.urls import URLPattern, path  # noqa: F401 - filled in by the intake pages

app_name = "intake"
urlpatterns: list[URLPattern] = []
