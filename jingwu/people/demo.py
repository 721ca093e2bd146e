"""Demo persons: residents of real Wuping villages, registered by the demo officers through the services."""

from __future__ import annotations

import random

from jingwu.core.demo_data import chinese_name, id_number, mobile
from jingwu.geo.choices import DivisionLevel
from jingwu.geo.models import Division
from jingwu.org.models import User
from jingwu.people.choices import Sex
from jingwu.people.models import Person
from jingwu.people.services import person_create

# Which demo officer registers residents of which townships.
REGISTRARS = {
    "officer": ["桃溪镇"],
    "wubei_officer": ["永平镇", "大禾镇", "湘店镇"],
    "pingchuan_officer": ["平川街道", "城厢镇", "中山镇"],
}
NOTES = ["", "", "报警人", "外出务工，春节返乡", "村民小组长", "经营农家乐", "在县城务工", "林农"]


def load(rng: random.Random, per_registrar: int = 20) -> int:
    if Person.objects.exists():
        return 0
    created = 0
    for username, township_names in REGISTRARS.items():
        actor = User.objects.select_related("unit").get(username=username)
        villages = list(
            Division.objects.filter(level=DivisionLevel.VILLAGE, parent__name__in=township_names)
            .select_related("parent")
            .order_by("code")
        )
        for _ in range(per_registrar):
            male = rng.random() < 0.55
            village = rng.choice(villages)
            person_create(
                actor=actor,
                name=chinese_name(rng),
                sex=Sex.MALE if male else Sex.FEMALE,
                id_number=id_number(rng, male=male) if rng.random() < 0.9 else None,
                phone=mobile(rng) if rng.random() < 0.85 else "",
                address=f"武平县{village.parent.name}{village.name}{rng.randrange(1, 120)}号",
                notes=rng.choice(NOTES),
            )
            created += 1
    return created
