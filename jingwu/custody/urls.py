from django.urls import path

from jingwu.custody import views

app_name = "custody"
urlpatterns = [
    path("", views.screen, name="screen"),
    path("inside/", views.inside, name="inside"),
    path("history/", views.history, name="history"),
    path("register/", views.register, name="register"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("<int:stay_id>/", views.detail, name="detail"),
    path("<int:stay_id>/log/", views.log_add, name="log_add"),
    path("<int:stay_id>/sessions/", views.session_add, name="session_add"),
    path("<int:stay_id>/sessions/<int:session_id>/end/", views.session_end, name="session_end"),
    path("<int:stay_id>/belongings/", views.belonging_add, name="belonging_add"),
    path("<int:stay_id>/return/", views.belongings_return, name="return"),
    path("<int:stay_id>/exit/", views.stay_exit, name="exit"),
]
