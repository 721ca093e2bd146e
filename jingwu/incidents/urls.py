from django.urls import path

from jingwu.incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.incident_create, name="create"),
    path("duplicates/", views.duplicate_check, name="duplicates"),
    path("<int:incident_id>/", views.incident_detail, name="detail"),
    path("<int:incident_id>/steps/<str:kind>/", views.incident_step, name="step"),
]
