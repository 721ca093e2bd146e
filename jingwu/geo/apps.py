from django.apps import AppConfig


class GeoConfig(AppConfig):
    name = "jingwu.geo"
    label = "geo"
    verbose_name = "地点"
