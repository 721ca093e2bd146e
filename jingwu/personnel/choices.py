"""Stable English values with Chinese labels for 队伍建设 (training, honours)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AttendanceStatus(models.TextChoices):
    """Where an officer stands on a required course (参训情况)."""

    REQUIRED = "required", _("待参训")
    ATTENDED = "attended", _("已参训")
    ABSENT = "absent", _("缺训")
    EXEMPT = "exempt", _("免训")


class HonourKind(models.TextChoices):
    INDIVIDUAL = "individual", _("个人荣誉")
    COLLECTIVE = "collective", _("集体荣誉")


class HonourLevel(models.TextChoices):
    """Who conferred it (授予层级)."""

    NATIONAL = "national", _("国家级/部级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
