from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "jingwu.incidents"
    label = "incidents"
    verbose_name = "接处警"
