from django.apps import AppConfig


class StatsConfig(AppConfig):
    """统计分析: rollups kept up to date on write, dashboards, reform comparison, 平安三率 survey."""

    name = "jingwu.stats"
    label = "stats"
    verbose_name = "统计分析"

    def ready(self) -> None:
        from django.db.models.signals import post_init, post_save

        from jingwu.cases.models import Case
        from jingwu.incidents.models import Incident
        from jingwu.mediation.models import Dispute
        from jingwu.stats import rollup
        from jingwu.timeline.signals import legal_events_recorded

        for model in (Incident, Case, Dispute):
            # Remember the slice a record counted in when loaded, so that a change of day or station
            # refreshes the old slice as well as the new one.
            post_init.connect(
                rollup.remember_slices, sender=model, dispatch_uid=f"stats.init.{model.__name__}"
            )
            post_save.connect(rollup.record_saved, sender=model, dispatch_uid=f"stats.saved.{model.__name__}")
        # Batch intake (incident_create_batch) uses bulk_create, which sends no post_save; it records
        # the legal events in bulk, and that signal names the new incidents.
        legal_events_recorded.connect(rollup.bulk_recorded, dispatch_uid="stats.bulk_recorded")
