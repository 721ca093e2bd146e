from django.urls import path

from jingwu.ecology import views

app_name = "ecology"
urlpatterns = [
    path("", views.zone_list, name="zones"),
    path("zones/new/", views.zone_create, name="zone_create"),
    path("zones/<int:zone_id>/", views.zone_detail, name="zone"),
    path("zones/<int:zone_id>/patrols/", views.patrol_create, name="patrol_create"),
    path("zones/<int:zone_id>/chiefs/", views.chief_assign, name="chief_assign"),
    path("zones/<int:zone_id>/frequency/", views.zone_frequency, name="zone_frequency"),
    path("patrols/<int:patrol_id>/", views.patrol_detail, name="patrol"),
    path("findings/<int:finding_id>/incident/", views.finding_incident, name="finding_incident"),
    path("findings/<int:finding_id>/case/", views.finding_case, name="finding_case"),
    path("transfers/", views.transfer_list, name="transfers"),
    path("transfers/new/", views.transfer_create, name="transfer_create"),
    path("transfers/<int:transfer_id>/", views.transfer_detail, name="transfer"),
    path("transfers/<int:transfer_id>/decide/", views.transfer_decide, name="transfer_decide"),
    path("transfers/<int:transfer_id>/notice/", views.transfer_notify, name="transfer_notify"),
    path("transfers/<int:transfer_id>/supplement/", views.transfer_supplement, name="transfer_supplement"),
]
