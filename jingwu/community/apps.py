from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "jingwu.community"
    label = "community"
    verbose_name = "社区警务"
