from django.urls import path

from jingwu.geo import views

app_name = "geo"
urlpatterns = [
    path("", views.township_list, name="townships"),
    path("<str:code>/", views.township_detail, name="township"),
]
