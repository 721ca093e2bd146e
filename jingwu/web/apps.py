from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "jingwu.web"
    label = "web"
