from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """站内消息: the in-app inbox of every user, and the outbox of e-mail/SMS to send where configured."""

    name = "jingwu.notifications"
    label = "notifications"
    verbose_name = "站内消息"
