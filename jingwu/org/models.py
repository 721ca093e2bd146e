from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingwu.access.roles import Role as RoleCode
from jingwu.org.choices import TEAM_KINDS, UnitKind


class Unit(models.Model):
    """A unit of the bureau (单位): the bureau, a brigade, a station, a joint station or a team.

    `path` is a materialised path of unit codes (`/wp/wp-wb/wp-wb-cr/`) so that "this unit and
    everything below it" is one indexed prefix match.
    """

    code = models.CharField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=400, db_index=True, editable=False)
    commands = models.ManyToManyField(
        "self",
        verbose_name=_("指挥的单位"),
        symmetrical=False,
        blank=True,
        related_name="commanded_by",
        help_text=_("区域联合派出所统一指挥的成员派出所"),
    )
    township_code = models.CharField(_("辖区乡镇代码"), max_length=12, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["path"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self) -> str:
        return self.name

    def compute_path(self) -> str:
        return (self.parent.path if self.parent else "/") + self.code + "/"

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    @property
    def is_team(self) -> bool:
        return self.kind in TEAM_KINDS

    def operational_unit(self) -> Unit:
        """The unit a team works for: its nearest ancestor that is not itself a team."""
        unit = self
        while unit.is_team and unit.parent_id:
            unit = unit.parent
        return unit


class Role(models.Model):
    """A role a user can hold (角色); the vocabulary and its powers live in access.roles."""

    code = models.CharField(max_length=20, primary_key=True, choices=RoleCode.choices)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return str(RoleCode(self.code).label)


class User(AbstractUser):
    """A person who logs in (用户): belongs to one unit and holds one or more roles."""

    full_name = models.CharField(_("姓名"), max_length=32)
    unit = models.ForeignKey(
        Unit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="members"
    )
    roles = models.ManyToManyField(Role, verbose_name=_("角色"), related_name="users")
    badge_number = models.CharField(_("警号"), max_length=16, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)

    REQUIRED_FIELDS = ["email", "full_name"]

    class Meta:
        ordering = ["unit__path", "username"]
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return f"{self.full_name}（{self.username}）" if self.full_name else self.username

    @property
    def role_codes(self) -> frozenset[str]:
        """The user's roles, read once per request (the object lives for one request)."""
        cached = self.__dict__.get("_role_codes")
        if cached is None:
            cached = frozenset(self.roles.values_list("code", flat=True)) if self.pk else frozenset()
            self.__dict__["_role_codes"] = cached
        return cached

    def role_labels(self) -> list[str]:
        return [str(RoleCode(code).label) for code in sorted(self.role_codes)]
