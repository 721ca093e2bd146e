from django.urls import path

from jingwu.ecology import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<int:campaign_id>/", views.campaign_report, name="report"),
    path("<int:campaign_id>/export.xlsx", views.campaign_export, name="export"),
]
