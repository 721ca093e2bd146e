"""The evidence of a six-no assessment (六无评估证据): the incidents and cases of the community's year that
a criterion of data/sixno.yaml names. Incidents match by their village; cases by the village of the
incident they came from (a case carries no place of its own) and by their offence (案由)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings

from jingwu.cases.models import Case
from jingwu.community.sixno import criteria
from jingwu.geo.models import Division
from jingwu.incidents.models import Incident
from jingwu.incidents.taxonomy import taxonomy


@dataclass
class Evidence:
    """What one criterion is shown: incidents and cases as (id, number, label, date)."""

    incidents: list[dict] = field(default_factory=list)
    cases: list[dict] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.incidents or self.cases)

    def numbers(self) -> list[str]:
        return [row["number"] for row in self.incidents + self.cases]


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January, 1 January next year) in Asia/Shanghai."""
    tz = ZoneInfo(settings.TIME_ZONE)
    return datetime.combine(datetime(year, 1, 1).date(), time(), tz), datetime.combine(
        datetime(year + 1, 1, 1).date(), time(), tz
    )


def evidence_for(community: Division, year: int) -> dict[str, Evidence]:
    """Per criterion key, the matching incidents and cases of the community in the year."""
    start, end = year_bounds(year)
    found = {item.key: Evidence() for item in criteria().items}
    names = taxonomy()
    incidents = Incident.objects.filter(village=community, received_at__gte=start, received_at__lt=end)
    for incident in incidents.order_by("received_at"):
        for item in criteria().items:
            if item.matches_incident(incident.category, incident.subcategory, incident.narrative):
                found[item.key].incidents.append(
                    {
                        "id": incident.pk,
                        "number": incident.number or str(incident.pk),
                        "label": names.label(incident.category, incident.subcategory),
                        "date": incident.received_at,
                    }
                )
    cases = Case.objects.filter(
        incident__village=community, accepted_at__gte=start, accepted_at__lt=end
    ).exclude(offence="")
    for case in cases.order_by("accepted_at"):
        for item in criteria().items:
            if item.matches_offence(case.offence):
                found[item.key].cases.append(
                    {"id": case.pk, "number": case.number, "label": case.offence, "date": case.accepted_at}
                )
    return found
