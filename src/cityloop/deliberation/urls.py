from django.urls import path

from cityloop.deliberation import views

app_name = "deliberation"
urlpatterns = [
    path("", views.topic_list, name="topics"),
    path("new/", views.topic_new, name="topic_new"),
    path("services/", views.community_services, name="services"),
    path("services/<int:community_id>/tasks/", views.task_assign, name="task_assign"),
    path("<int:pk>/", views.topic_detail, name="topic"),
    path("<int:pk>/do/<slug:action>/", views.topic_action, name="topic_action"),
    path("<int:pk>/statements/", views.statements, name="statements"),
    path("<int:pk>/statements/add/", views.statement_add, name="statement_add"),
    path("<int:pk>/statements.csv", views.statements_csv, name="statements_csv"),
    path("statements/<int:pk>/<slug:action>/", views.statement_action, name="statement_action"),
    path("meetings/<int:pk>/<slug:action>/", views.meeting_action, name="meeting_action"),
    path("votes/<int:pk>/", views.vote_detail, name="vote"),
    path("votes/<int:pk>/<slug:action>/", views.vote_action, name="vote_action"),
    path("resolutions/<int:pk>/progress/", views.resolution_progress, name="resolution_progress"),
]
