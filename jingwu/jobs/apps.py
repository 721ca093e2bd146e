from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Background jobs (后台任务): the task workers' lease and reaper, the periodic schedule, /healthz."""

    name = "jingwu.jobs"
    label = "jobs"
    verbose_name = "后台任务"
