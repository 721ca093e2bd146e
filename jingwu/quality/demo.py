"""Demo manual items of the quality evaluation (人工考评项): a few findings of the legal affairs brigade's
file reviews and a bonus, for real units, so that the ranking of the current year has something to explain.
The computed items come from the demo cases' own deadlines and reviews (live computation)."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from jingwu.org.models import Unit, User
from jingwu.quality.periods import local_date
from jingwu.quality.services import adjustment_create

# (unit code, item, points, reason)
ITEMS = [
    ("wp-ps-350824105", "manual_deduction", "-2", "案卷评查发现询问笔录未记明询问起止时间，笔录制作不规范"),
    ("wp-ps-350824001", "manual_bonus", "3", "获评省级执法示范单位（执法规范化建设）"),
    ("wp-wb", "manual_deduction", "-1.5", "涉案财物专项检查发现两起案件扣押物品清单未由见证人签名"),
    ("wp-xz", "manual_deduction", "-1", "案卷评查发现一起案件鉴定意见未按规定告知犯罪嫌疑人"),
    ("wp-ps-350824108", "manual_bonus", "1", "报送的执法办案案例被市局评为典型案例"),
]


def load(rng: random.Random) -> int:
    actor = User.objects.select_related("unit").get(username="legal_affairs")
    today = local_date(timezone.now())
    created = 0
    for code, item, points, reason in ITEMS:
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            continue
        # within the current month, never in the future
        day = max(today.replace(day=1), today - timedelta(days=rng.randrange(0, 20)))
        adjustment_create(
            actor=actor, unit_id=unit.pk, item_key=item, points=points, occurred_on=day, reason=reason
        )
        created += 1
    return created
