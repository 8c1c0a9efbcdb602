from django.urls import URLPattern, path

from cityloop.dispatch import views

app_name = "dispatch"
urlpatterns: list[URLPattern] = [
    path("queue/", views.queue, name="queue"),
    path("<int:ticket_id>/", views.dispatch_ticket, name="dispatch"),
    path("<int:ticket_id>/dispute/", views.dispute_ticket, name="dispute"),
]
