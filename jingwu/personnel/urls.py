from django.urls import path

from jingwu.personnel import views

app_name = "personnel"
urlpatterns = [
    path("", views.index, name="index"),
    path("courses/", views.courses, name="courses"),
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<int:course_id>/", views.course_detail, name="course"),
    path("courses/<int:course_id>/enrol/", views.course_enrol, name="course_enrol"),
    path("enrolments/<int:enrolment_id>/", views.attendance, name="attendance"),
    path("overdue/", views.overdue, name="overdue"),
    path("officers/", views.officers, name="officers"),
    path("officers/<int:officer_id>/", views.profile, name="profile"),
    path("officers/<int:officer_id>/pdf/", views.profile_pdf, name="profile_pdf"),
    path("honours/", views.honours, name="honours"),
    path("honours/new/", views.honour_create, name="honour_create"),
    path("honours/units/<int:unit_id>/", views.honour_unit, name="honour_unit"),
    path("honours/units/<int:unit_id>/brand/", views.brand_save, name="brand_save"),
    path("honours/units/<int:unit_id>/photos/", views.brand_photo, name="brand_photo"),
    path("honours/units/<int:unit_id>/activities/", views.brand_activity, name="brand_activity"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
]
