from django.urls import path

from cityloop.tickets import views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("<int:ticket_id>/", views.ticket_detail, name="detail"),
    path("<int:ticket_id>/act/<str:action>/", views.ticket_act, name="act"),
]
