from django.urls import path

from jingwu.mediation import views

app_name = "mediation"
urlpatterns = [
    path("", views.board, name="board"),
    path("list/", views.dispute_list, name="list"),
    path("new/", views.dispute_create, name="create"),
    path("agreements/<int:agreement_id>/pdf/", views.agreement_pdf, name="agreement_pdf"),
    path("<int:dispute_id>/", views.dispute_detail, name="detail"),
    path("<int:dispute_id>/risk/", views.dispute_risk, name="risk"),
    path("<int:dispute_id>/route/", views.dispute_route, name="route"),
    path("<int:dispute_id>/sessions/", views.session_create, name="session"),
    path("<int:dispute_id>/agreements/", views.agreement_create, name="agreement"),
    path("<int:dispute_id>/fail/", views.dispute_fail, name="fail"),
    path("<int:dispute_id>/close/", views.dispute_close, name="close"),
    path("<int:dispute_id>/follow-ups/<int:follow_up_id>/", views.follow_up_record, name="follow_up"),
    path(
        "<int:dispute_id>/agreements/<int:agreement_id>/confirmation/",
        views.confirmation_apply,
        name="confirmation_apply",
    ),
    path(
        "<int:dispute_id>/agreements/<int:agreement_id>/confirmation/decide/",
        views.confirmation_decide,
        name="confirmation_decide",
    ),
]
