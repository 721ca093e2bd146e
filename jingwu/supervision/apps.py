from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """执法监督: the statutory deadline engine, and the deadlines it derives from the case timelines."""

    name = "jingwu.supervision"
    label = "supervision"
    verbose_name = "执法监督"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from jingwu.supervision.services import deadlines_refresh_many_on_commit, legal_event_saved
        from jingwu.timeline.models import LegalEvent
        from jingwu.timeline.signals import legal_events_recorded

        # Every recorded legal event re-evaluates its subject's deadlines once the transaction commits.
        post_save.connect(legal_event_saved, sender=LegalEvent, dispatch_uid="supervision.legal_event_saved")

        def bulk_recorded(sender: object, subjects: list[tuple[str, int]], **kwargs: object) -> None:
            deadlines_refresh_many_on_commit(subjects)

        legal_events_recorded.connect(bulk_recorded, weak=False, dispatch_uid="supervision.bulk_recorded")
