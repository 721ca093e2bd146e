from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "jingwu.people"
    label = "people"
    verbose_name = "人员"
