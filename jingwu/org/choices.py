from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    BUREAU = "bureau", _("县公安局")
    COMMAND_CENTER = "command_center", _("指挥中心")
    BRIGADE = "brigade", _("大队")
    STATION = "station", _("派出所")
    JOINT_STATION = "joint_station", _("区域联合派出所")
    COMMAND_ROOM = "command_room", _("综合指挥室")
    CASE_TEAM = "case_team", _("案件办理队")
    COMMUNITY_TEAM = "community_team", _("社区警务队")
    EXTERNAL = "external", _("外部单位")


# Teams act for the unit above them: their members' scope is that unit's (see access.policy).
TEAM_KINDS = frozenset({UnitKind.COMMAND_ROOM, UnitKind.CASE_TEAM, UnitKind.COMMUNITY_TEAM})
