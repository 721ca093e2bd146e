from django.urls import path

from jingwu.quality import views

app_name = "quality"
urlpatterns = [
    path("", views.ranking, name="ranking"),
    path("export.xlsx", views.ranking_export, name="export"),
    path("publish/", views.publish, name="publish"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit"),
    path("units/<int:unit_id>/adjustments/", views.adjustment_create, name="adjust"),
    path("adjustments/<int:adjustment_id>/reverse/", views.adjustment_reverse, name="reverse"),
]
