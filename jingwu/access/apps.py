from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "jingwu.access"
    label = "access"
