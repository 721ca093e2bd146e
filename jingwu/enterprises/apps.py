from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "jingwu.enterprises"
    label = "enterprises"
    verbose_name = "警企联系"
