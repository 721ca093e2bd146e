from django.urls import path

from jingwu.property import views

app_name = "property"
urlpatterns = [
    path("", views.item_list, name="list"),
    path("new/", views.item_register, name="register"),
    path("anomalies/", views.anomalies, name="anomalies"),
    path("locations/", views.locations, name="locations"),
    path("locations/<int:location_id>/", views.location_detail, name="location"),
    path("label/<str:code>/", views.label_scan, name="scan"),
    path("photos/<int:photo_id>/", views.photo_file, name="photo"),
    path("<int:item_id>/", views.item_detail, name="detail"),
    path("<int:item_id>/label/", views.label, name="label"),
    path("<int:item_id>/label.pdf", views.label_pdf, name="label_pdf"),
    path("<int:item_id>/move/<str:kind>/", views.item_move, name="move"),
    path("<int:item_id>/inspectorate/", views.item_file_with_inspectorate, name="inspectorate"),
    path("<int:item_id>/unrelated/", views.item_found_unrelated, name="unrelated"),
    path("<int:item_id>/photos/", views.photo_add, name="photo_add"),
]
