from django.apps import AppConfig


class CustodyConfig(AppConfig):
    name = "jingwu.custody"
    label = "custody"
    verbose_name = "执法办案管理中心"
