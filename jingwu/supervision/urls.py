from django.urls import path

from jingwu.supervision import views

app_name = "supervision"
urlpatterns = [
    path("deadlines/", views.deadline_list, name="deadlines"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/new/", views.notice_create, name="notice_create"),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice"),
    path("notices/<int:notice_id>/respond/", views.notice_respond, name="notice_respond"),
    path("notices/<int:notice_id>/review/", views.notice_review, name="notice_review"),
    path("notices/<int:notice_id>/pdf/", views.notice_pdf, name="notice_pdf"),
]
