from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingwu.org.models import Unit


class Kind(models.TextChoices):
    INCIDENT = "incident", _("警情")
    CASE = "case", _("案件")
    DISPUTE = "dispute", _("纠纷")
    PERSON = "person", _("人员")


class SearchEntry(models.Model):
    """One searchable record (检索条目): its masked plain text for snippets, its pre-tokenized text for the
    database's full-text index (an FTS5 table on SQLite, a generated `tsvector` column with a GIN index
    on PostgreSQL, both made by this app's migration), and what the access policy needs to scope it.

    `unit_a`..`unit_c` are the record's scope units (incident: unit, station; case: station, reviewing
    unit, handling unit; dispute: station; person: registering unit).
    """

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField()
    number = models.CharField(_("编号"), max_length=40, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    tokens = models.TextField()
    # Case kind (criminal/administrative), incident category, dispute kind.
    subkind = models.CharField(max_length=24, blank=True)
    status = models.CharField(_("状态"), max_length=20, blank=True)
    status_label = models.CharField(max_length=40, blank=True)
    unit_a = models.ForeignKey(Unit, null=True, on_delete=models.CASCADE, related_name="+")
    unit_b = models.ForeignKey(Unit, null=True, on_delete=models.CASCADE, related_name="+")
    unit_c = models.ForeignKey(Unit, null=True, on_delete=models.CASCADE, related_name="+")
    occurred_at = models.DateTimeField(_("时间"))
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("检索条目")
        verbose_name_plural = _("检索条目")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique")]
        indexes = [models.Index(fields=["kind", "status"]), models.Index(fields=["occurred_at"])]

    def __str__(self) -> str:
        return self.title
