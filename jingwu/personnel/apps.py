from django.apps import AppConfig


class PersonnelConfig(AppConfig):
    name = "jingwu.personnel"
    label = "personnel"
    verbose_name = "队伍建设"
