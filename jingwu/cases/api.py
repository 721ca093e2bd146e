"""Case handling over the API (/api/cases)."""

from ninja import Router

router = Router(tags=["案件"])
