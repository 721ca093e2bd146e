from django.urls import path

from jingwu.supervision import views

app_name = "supervision"
urlpatterns = [
    path("deadlines/", views.deadline_list, name="deadlines"),
]
