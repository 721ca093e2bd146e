from django.urls import path

from jingwu.community import views

app_name = "community"
urlpatterns = [
    path("", views.board, name="board"),
    path("villages/<int:village_id>/", views.village_detail, name="village"),
    path("villages/<int:village_id>/assign/", views.assign, name="assign"),
    path("assignments/<int:assignment_id>/end/", views.assignment_end, name="assignment_end"),
    path("grid/", views.grid, name="grid"),
    path("grid/<str:kind>/", views.grid_record, name="grid_record"),
    path("hazards/", views.hazard_list, name="hazards"),
    path("hazards/<int:hazard_id>/fix/", views.hazard_fix, name="hazard_fix"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<int:report_id>/", views.report_detail, name="report"),
    path("reports/<int:report_id>/incident/", views.report_to_incident, name="report_incident"),
    path("reports/<int:report_id>/dispute/", views.report_to_dispute, name="report_dispute"),
    path("reports/<int:report_id>/decide/", views.report_decide, name="report_decide"),
    path("performance/", views.performance_sheet, name="performance"),
    path("performance/export/", views.performance_export, name="performance_export"),
    path("performance/staff/<int:staff_id>/", views.staff_month, name="staff_month"),
    path("sixno/", views.sixno_list, name="sixno"),
    path("sixno/<int:community_id>/<int:year>/", views.sixno_detail, name="sixno_detail"),
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path("concerns/<int:concern_id>/<str:action>/", views.concern_act, name="concern"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<int:task_id>/complete/", views.task_complete, name="task_complete"),
]
