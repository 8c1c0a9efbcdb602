from django.urls import URLPattern, path

from cityloop.intake import views

app_name = "intake"
urlpatterns: list[URLPattern] = [
    path("console/", views.console, name="console"),
    path("console/history/", views.history, name="history"),
    path("console/suggestions/", views.suggestions, name="suggestions"),
    path("console/grids.json", views.grids, name="grids"),
    path("console/grid-at.json", views.grid_at, name="grid_at"),
    path("<int:ticket_id>/answer/", views.answer, name="answer"),
]
