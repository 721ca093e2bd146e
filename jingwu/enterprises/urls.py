from django.urls import path

from jingwu.enterprises import views

app_name = "enterprises"
urlpatterns = [
    path("", views.enterprise_list, name="list"),
    path("new/", views.enterprise_create, name="create"),
    path("parks/", views.park_list, name="parks"),
    path("bulletins/", views.bulletin_list, name="bulletins"),
    path("bulletins/new/", views.bulletin_create, name="bulletin_create"),
    path("bulletins/<int:bulletin_id>/", views.bulletin_detail, name="bulletin"),
    path(
        "bulletins/<int:bulletin_id>/deliveries/<int:delivery_id>/acknowledge/",
        views.delivery_acknowledge,
        name="acknowledge",
    ),
    path(
        "bulletins/<int:bulletin_id>/deliveries/<int:delivery_id>/resend/",
        views.delivery_resend,
        name="resend",
    ),
    path("<int:enterprise_id>/", views.enterprise_detail, name="detail"),
    path("<int:enterprise_id>/edit/", views.enterprise_edit, name="edit"),
    path("<int:enterprise_id>/reveal/", views.enterprise_reveal, name="reveal"),
    path("<int:enterprise_id>/visits/", views.visit_create, name="visit"),
    path("<int:enterprise_id>/requests/", views.request_create, name="request"),
    path("<int:enterprise_id>/requests/<int:request_id>/handle/", views.request_handle, name="handle"),
    path("<int:enterprise_id>/incidents/", views.incident_link, name="link"),
    path("<int:enterprise_id>/incidents/<int:link_id>/unlink/", views.incident_unlink, name="unlink"),
]
