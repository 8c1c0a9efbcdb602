from django.urls import path

from cityloop.network import views

app_name = "network"

urlpatterns = [
    path("", views.index, name="index"),
    path("grid/", views.grid_tickets, name="grid"),
    path("buildings/<int:group_id>/report/", views.leader_report, name="report"),
    path("offices/", views.offices, name="offices"),
    path("offices/<int:building_id>/", views.office, name="office"),
    path("enterprises/<int:enterprise_id>/rate/", views.enterprise_rate, name="rate"),
    path("follow-ups/<int:follow_up_id>/done/", views.follow_up_done, name="follow_up_done"),
    path("measures/<int:measure_id>/progress/", views.measure_progress, name="measure_progress"),
    path("organisations/", views.organisations, name="organisations"),
    path("members/<int:member_id>/volunteer/", views.volunteer, name="volunteer"),
    path("meetings/", views.meetings, name="meetings"),
    path("meetings/<int:meeting_id>/", views.meeting, name="meeting"),
    path("needs/<int:need_id>/project/", views.project_create, name="project_create"),
    path("projects/<int:project_id>/progress/", views.project_progress, name="project_progress"),
    path("workers/", views.workers, name="workers"),
    path("import/", views.import_data, name="import"),
]
