from django.apps import AppConfig


class EcologyConfig(AppConfig):
    name = "jingwu.ecology"
    label = "ecology"
    verbose_name = "生态警务"
