from django.urls import path

from jingwu.stats import views

app_name = "stats"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("records/", views.records, name="records"),
    path("live/", views.live, name="live"),
    path("screen/", views.screen, name="screen"),
    path("reform/", views.reform, name="reform"),
    path("report.pdf", views.report, name="report"),
    path("survey/", views.survey, name="survey"),
    path("survey/rounds/new/", views.survey_round_new, name="survey_round_new"),
    path("survey/rounds/<int:round_id>/", views.survey_round, name="survey_round"),
]
