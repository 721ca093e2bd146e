from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations (运维): backup and restore of the database. No models."""

    name = "jingwu.ops"
    verbose_name = "运维"
