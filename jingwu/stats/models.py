from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingwu.geo.models import Division
from jingwu.org.models import Unit, User


class DailyCount(models.Model):
    """A rollup row (统计汇总): how many records of one figure fell on one Asia/Shanghai day in one
    station's territory, per township and key (incident category, case kind, hour of day, minutes).

    Kept up to date on write (jingwu.stats.rollup) and rebuilt by `manage.py stats_rollup_rebuild`.
    """

    day = models.DateField()
    station = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    township = models.CharField(max_length=12)
    metric = models.CharField(max_length=24)
    key = models.CharField(max_length=32)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "day", "station", "township", "key"], name="stats_dailycount_slot"
            )
        ]
        indexes = [models.Index(fields=["station", "day"], name="stats_dailycount_station_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.station_id} {self.metric}:{self.key}={self.count}"


class MonthlyCount(models.Model):
    """The same rollup summed per calendar month (`month` is its first day): a year's dashboard reads
    twelve months instead of 365 days. Rewritten from DailyCount whenever a day of the month changes."""

    month = models.DateField()
    station = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    township = models.CharField(max_length=12)
    metric = models.CharField(max_length=24)
    key = models.CharField(max_length=32)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "month", "station", "township", "key"], name="stats_monthlycount_slot"
            )
        ]
        indexes = [models.Index(fields=["month", "station"], name="stats_monthlycount_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.station_id} {self.metric}:{self.key}={self.count}"


class YearlyCount(models.Model):
    """The same rollup summed per calendar year (`year` is 1 January): a year's dashboard reads one row per
    station × township × figure × key instead of twelve. Rewritten from MonthlyCount whenever a month of
    the year changes (so it is always the sum of its months, and they of their days)."""

    year = models.DateField()
    station = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    township = models.CharField(max_length=12)
    metric = models.CharField(max_length=24)
    key = models.CharField(max_length=32)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "year", "station", "township", "key"], name="stats_yearlycount_slot"
            )
        ]
        indexes = [models.Index(fields=["year", "station"], name="stats_yearlycount_year")]

    def __str__(self) -> str:
        return f"{self.year:%Y} {self.station_id} {self.metric}:{self.key}={self.count}"


class RollupStamp(models.Model):
    """A token (汇总版本) that changes whenever one station's rollup rows of one calendar year change: the
    dashboard keys its cached figures with the tokens of the station-years they read, so a late write to
    a closed month or year makes the next reader recompute, in every process. No row: the station has
    no rollup rows that year (an empty slice reads the same whenever it is read)."""

    station = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    token = models.CharField(max_length=32)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["station", "year"], name="stats_rollupstamp_slot")]

    def __str__(self) -> str:
        return f"{self.year} {self.station_id} {self.token}"


class SurveyRound(models.Model):
    """One round of the 平安三率 survey (安全感、满意度、知晓率测评) in one township."""

    wave = models.CharField(_("测评批次"), max_length=40)
    township = models.ForeignKey(Division, verbose_name=_("乡镇"), on_delete=models.PROTECT, related_name="+")
    held_from = models.DateField(_("开始日期"))
    held_to = models.DateField(_("结束日期"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_to", "township__code"]
        verbose_name = _("平安三率测评")
        verbose_name_plural = _("平安三率测评")
        constraints = [models.UniqueConstraint(fields=["wave", "township"], name="stats_round_wave_township")]

    def __str__(self) -> str:
        return f"{self.wave} {self.township.name}"


class SurveyResponse(models.Model):
    """One respondent's answers (答卷): {question code: option code}, as the questionnaire defines them."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="responses")
    answers = models.JSONField(_("答案"))
    source = models.CharField(_("来源"), max_length=10, default="manual")
    entered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.round} #{self.pk}"
