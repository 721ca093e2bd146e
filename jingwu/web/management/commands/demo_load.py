from __future__ import annotations

import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jingwu.cases import demo as cases_demo
from jingwu.custody import demo as custody_demo
from jingwu.geo.reference import load_reference_data
from jingwu.incidents import demo as incidents_demo
from jingwu.mediation import demo as mediation_demo
from jingwu.org import demo as org_demo
from jingwu.org.demo import ensure_demo_accounts
from jingwu.people import demo as people_demo
from jingwu.property import demo as property_demo
from jingwu.quality import demo as quality_demo
from jingwu.supervision import demo as supervision_demo
from jingwu.supervision.services import deadlines_sweep

# Each app's demo module, in the order of the flow of work (later apps link to earlier records).
DEMO_MODULES = [
    org_demo,
    people_demo,
    incidents_demo,
    cases_demo,
    mediation_demo,
    custody_demo,
    property_demo,
    supervision_demo,
    quality_demo,
]


class Command(BaseCommand):
    help = "Load the Wuping demo bureau: reference data, demo accounts and realistic records (deterministic)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--seed", type=int, default=350824)

    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("demo_load only runs in demo mode (JINGWU_MODE=demo)")
        counts = load_reference_data()
        ensure_demo_accounts()
        rng = random.Random(seed)
        for module in DEMO_MODULES:
            created = module.load(rng)
            counts[module.__name__.split(".")[1]] = created
        # Flag what the demo's timelines have already brought into warning or breach.
        swept = deadlines_sweep()
        counts["deadlines flagged"] = swept.warnings + swept.breaches
        self.stdout.write("demo loaded: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
