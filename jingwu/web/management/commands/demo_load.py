from __future__ import annotations

import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jingwu.cases import demo as cases_demo
from jingwu.community import demo as community_demo
from jingwu.custody import demo as custody_demo
from jingwu.ecology import demo as ecology_demo
from jingwu.enterprises import demo as enterprises_demo
from jingwu.geo.reference import load_reference_data
from jingwu.incidents import demo as incidents_demo
from jingwu.mediation import demo as mediation_demo
from jingwu.org import demo as org_demo
from jingwu.org.demo import ensure_demo_accounts
from jingwu.people import demo as people_demo
from jingwu.personnel import demo as personnel_demo
from jingwu.property import demo as property_demo
from jingwu.quality import demo as quality_demo
from jingwu.search import demo as search_demo
from jingwu.stats import demo as stats_demo
from jingwu.stats.rollup import rebuild as stats_rollup_rebuild
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
    ecology_demo,
    supervision_demo,
    quality_demo,
    stats_demo,
    community_demo,
    # Last: it consumes the shared random stream, and the modules above keep their demo data unchanged.
    enterprises_demo,
    # 队伍建设 (issue 13): after the others, so that their demo data stays as it was.
    personnel_demo,
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
        counts["search index"] = search_demo.load(rng)
        swept = deadlines_sweep()
        # The statistics read rollups; the bulk-loaded history sent no signals, so count everything once.
        counts["stats rollups"] = stats_rollup_rebuild()
        counts["deadlines flagged"] = swept.warnings + swept.breaches
        self.stdout.write("demo loaded: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
