from django.apps import AppConfig


class QualityConfig(AppConfig):
    """执法质量考评: per unit and period, a score from the scheme (data/scheme.yaml) with its explanation."""

    name = "jingwu.quality"
    label = "quality"
    verbose_name = "执法质量考评"
