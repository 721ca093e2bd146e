from django.urls import path

from jingwu.access import views

app_name = "access"
urlpatterns = [
    path("2fa/", views.status, name="second_factor"),
    path("2fa/setup/", views.setup, name="second_factor_setup"),
    path("2fa/verify/", views.verify, name="second_factor_verify"),
    path("2fa/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("2fa/users/", views.users, name="second_factor_users"),
    path("2fa/users/<int:user_id>/reset/", views.reset, name="second_factor_reset"),
]
