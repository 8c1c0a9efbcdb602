from django.urls import path

from cityloop.assessment import views

app_name = "assessment"
urlpatterns = [
    path("board/", views.board, name="board"),
    path("board/tickets/<int:ticket_id>/press/", views.press, name="press"),
]
