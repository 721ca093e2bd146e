from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "jingwu.mediation"
    label = "mediation"
    verbose_name = "矛盾纠纷化解"
