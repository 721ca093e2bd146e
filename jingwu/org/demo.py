"""The demo bureau's accounts (演示账号): one per role, in real Wuping units.

The same accounts serve the demo (`make demo`) and the tests, so what a visitor tries is what the
tests prove. Demo mode only: the password is public.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from jingwu.access.roles import Role
from jingwu.core.demo_data import chinese_name
from jingwu.org.choices import UnitKind
from jingwu.org.models import Role as RoleRow
from jingwu.org.models import Unit, User

DEMO_PASSWORD = "jingwu-demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    unit_code: str
    roles: tuple[str, ...]
    badge_number: str = ""


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("dispatcher", "陈晓敏", "wp-cmd", (Role.DISPATCHER,), "350801"),
    DemoAccount("wubei_dispatcher", "钟丽华", "wp-wb-zh", (Role.DISPATCHER,), "350802"),
    DemoAccount("officer", "李志强", "wp-ps-350824105-sq", (Role.OFFICER,), "350811"),
    DemoAccount("wubei_officer", "刘建平", "wp-wb-aj", (Role.OFFICER,), "350812"),
    DemoAccount("pingchuan_officer", "王海峰", "wp-ps-350824001-aj", (Role.OFFICER,), "350813"),
    DemoAccount("chief", "林国栋", "wp-ps-350824105", (Role.UNIT_CHIEF,), "350821"),
    DemoAccount("legal_officer", "邱美玲", "wp-wb-aj", (Role.LEGAL_OFFICER,), "350831"),
    DemoAccount("legal_affairs", "谢文斌", "wp-fz", (Role.LEGAL_AFFAIRS,), "350832"),
    DemoAccount("leader", "张振华", "wp", (Role.LEADER,), "350800"),
    DemoAccount("procurator", "赖晓东", "ext-jcy", (Role.PROCURATOR,)),
    DemoAccount("mediator", "钟桂英", "ext-tjw", (Role.MEDIATOR,)),
    DemoAccount("assistant", "蓝小军", "wp-ps-350824105-sq", (Role.ASSISTANT,)),
    DemoAccount("auditor", "黄淑芬", "wp", (Role.AUDITOR,)),
    DemoAccount("admin", "曾立新", "wp", (Role.ADMIN,)),
    DemoAccount("custody", "游志明", "wp-zx", (Role.CUSTODY_OFFICER,), "350841"),
    DemoAccount("property_keeper", "饶秀兰", "wp-zx", (Role.PROPERTY_KEEPER,), "350842"),
    # 政治处 (political department) has no unit of its own in the tree: it sits in the bureau.
    DemoAccount("personnel", "丘玉梅", "wp", (Role.PERSONNEL,), "350851"),
)


def ensure_demo_accounts(password: str = DEMO_PASSWORD) -> list[User]:
    """Create the demo accounts that are missing; existing ones keep their password and history."""
    users = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        if user is None:
            user = User(
                username=account.username,
                full_name=account.full_name,
                badge_number=account.badge_number,
                unit=Unit.objects.get(code=account.unit_code),
            )
            user.set_password(password)
            user.save()
            user.roles.set(RoleRow.objects.filter(code__in=account.roles))
        users.append(user)
    return users


def load(rng: random.Random, per_unit: int = 3) -> int:
    """A roster of officers for every station and joint-station team, so every incident can be dispatched,
    and a chief for every station.

    They cannot log in (no usable password): they stand for the bureau's staff, not for visitors.
    """
    if User.objects.filter(username__startswith="roster-").exists():
        return 0
    units = Unit.objects.filter(
        kind__in=[UnitKind.COMMUNITY_TEAM, UnitKind.CASE_TEAM], is_active=True
    ).order_by("path")
    officer_role = RoleRow.objects.get(code=Role.OFFICER)
    chief_role = RoleRow.objects.get(code=Role.UNIT_CHIEF)
    created = 0

    def add(username: str, unit: Unit, role: RoleRow) -> None:
        user = User(
            username=username,
            full_name=chinese_name(rng),
            unit=unit,
            badge_number=f"35{rng.randrange(10**4, 10**5)}",
        )
        user.set_unusable_password()
        user.save()
        user.roles.add(role)

    for unit in units:
        for number in range(1, per_unit + 1):
            add(f"roster-{unit.code}-{number}", unit, officer_role)
            created += 1
    # Every station and joint station has a chief (所长), who approves within the unit.
    for unit in Unit.objects.filter(kind__in=[UnitKind.STATION, UnitKind.JOINT_STATION], is_active=True):
        add(f"roster-{unit.code}-chief", unit, chief_role)
        created += 1
    return created
