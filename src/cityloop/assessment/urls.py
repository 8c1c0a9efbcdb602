from django.urls import path

from cityloop.assessment import views, views_assessment, views_callbacks

app_name = "assessment"
urlpatterns = [
    path("board/", views.board, name="board"),
    path("board/tickets/<int:ticket_id>/press/", views.press, name="press"),
    path("assessment/", views_assessment.rankings, name="rankings"),
    path("assessment/<str:month>/<str:kind>/<int:scope_id>/", views_assessment.scope, name="scope"),
    path("assessment/<str:month>/<str:kind>/<int:scope_id>/<str:measure>/", views_assessment.tickets,
         name="tickets"),
    path("assessment/<str:month>/report.<str:fmt>", views_assessment.report_download, name="report"),
    path("reviews/", views_assessment.reviews, name="reviews"),
    path("exemptions/<int:exemption_id>/decide/", views_assessment.exemption_decide, name="exemption_decide"),
    path("tickets/<int:ticket_id>/exemption/", views_assessment.exemption_request, name="exemption_request"),
    path("reviews/<int:review_id>/close/", views_assessment.review_close, name="review_close"),
    path("callbacks/", views_callbacks.callbacks, name="callbacks"),
    path("callbacks/<int:ticket_id>/", views_callbacks.callback, name="callback"),
    path("callbacks/<int:ticket_id>/record/", views_callbacks.callback_record, name="callback_record"),
    path("callbacks/<int:ticket_id>/unreachable/", views_callbacks.callback_unreachable,
         name="callback_unreachable"),
]
