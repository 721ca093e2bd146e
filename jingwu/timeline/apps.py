from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "jingwu.timeline"
    label = "timeline"
    verbose_name = "法律事件时间线"
