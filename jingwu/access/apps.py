from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "jingwu.access"
    label = "access"

    def ready(self) -> None:
        from jingwu.access import signals  # noqa: F401  (connects the receivers)
