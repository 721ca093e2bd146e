from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jingwu.cases"
    label = "cases"
    verbose_name = "案件办理"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from jingwu.cases.services import routing_cache_clear
        from jingwu.org.models import Unit

        # The station -> reviewing unit routes follow the org chart: forget them when it changes.
        post_save.connect(routing_cache_clear, sender=Unit, dispatch_uid="cases.routing.unit_saved")
        post_delete.connect(routing_cache_clear, sender=Unit, dispatch_uid="cases.routing.unit_deleted")
        m2m_changed.connect(
            routing_cache_clear, sender=Unit.commands.through, dispatch_uid="cases.routing.commands"
        )
