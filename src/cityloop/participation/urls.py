from django.urls import path

from cityloop.participation import views

app_name = "participation"
urlpatterns = [
    path("", views.consultation_list, name="consultations"),
    path("consultations/new/", views.consultation_new, name="consultation_new"),
    path("consultations/<int:consultation_id>/", views.consultation_detail, name="consultation"),
    path("consultations/<int:consultation_id>/analysis/version/", views.version, name="version"),
    path("consultations/<int:consultation_id>/opinions/<int:opinion_id>/support/", views.opinion_support,
         name="support"),
    path("consultations/<int:consultation_id>/opinions/<int:opinion_id>/report/", views.opinion_flag, name="flag"),
    path("consultations/<int:consultation_id>/analysis/", views.analysis, name="analysis"),
    path("consultations/<int:consultation_id>/analysis/advance/", views.advance, name="advance"),
    path("consultations/<int:consultation_id>/analysis/group/", views.group, name="group"),
    path("consultations/<int:consultation_id>/analysis/decide/", views.decide, name="decide"),
    path("consultations/<int:consultation_id>/analysis/enter/", views.enter, name="enter"),
    path("consultations/<int:consultation_id>/analysis/from-ticket/", views.from_ticket, name="from_ticket"),
    path("consultations/<int:consultation_id>/analysis/publish/", views.publish, name="publish"),
    path("consultations/<int:consultation_id>/analysis/opinions/<int:opinion_id>/hide/", views.hide, name="hide"),
    path("consultations/<int:consultation_id>/analysis/opinions/<int:opinion_id>/stance/", views.stance,
         name="stance"),
    path("consultations/<int:consultation_id>/analysis/opinions/<int:opinion_id>/group/", views.regroup,
         name="regroup"),
    path("consultations/<int:consultation_id>/report/", views.report, name="report"),
    path("consultations/<int:consultation_id>/report.docx", views.report_download, name="report_docx"),
    path("surveys/<int:survey_id>/", views.survey, name="survey"),
    path("surveys/<int:survey_id>/results/", views.survey_results, name="survey_results"),
    path("surveys/<int:survey_id>/results.csv", views.survey_csv, name="survey_csv"),
    path("residents/", views.resident_lists, name="resident_lists"),
    path("residents/<int:community_id>/", views.resident_list, name="resident_list"),
    path("receptions/", views.reception_list, name="receptions"),
    path("receptions/<int:reception_id>/", views.reception_detail, name="reception"),
    path("receptions/<int:reception_id>/record/", views.reception_record, name="reception_record"),
    path("deputies/<int:deputy_id>/", views.deputy_followup, name="deputy"),
    path("deputies/<int:deputy_id>/issues/<int:issue_id>/answer/", views.issue_answer, name="issue_answer"),
]
