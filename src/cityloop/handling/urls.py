from django.urls import path

from cityloop.handling import views

app_name = "handling"
urlpatterns = [
    path("todo/", views.todo, name="todo"),
    path("tickets/<int:ticket_id>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
]
