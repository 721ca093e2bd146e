from django.apps import AppConfig


class SearchConfig(AppConfig):
    """全文检索: one index of incidents, cases, disputes and persons, kept fresh on commit."""

    name = "jingwu.search"
    label = "search"
    verbose_name = "全文检索"

    def ready(self) -> None:
        from jingwu.search.signals import connect

        connect()
