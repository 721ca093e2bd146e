"""The offence lists (案由) fit the case's columns: PostgreSQL refuses a value longer than its field."""

from __future__ import annotations

from jingwu.cases.models import Case
from jingwu.cases.offences import offences


def test_every_offence_code_and_name_fits_the_case_fields():
    code_field = Case._meta.get_field("offence_code")
    name_field = Case._meta.get_field("offence")
    listed = offences()
    assert listed, "the offence lists did not load"
    too_long = {
        code: offence.name
        for code, offence in listed.items()
        if len(code) > code_field.max_length or len(offence.name) > name_field.max_length
    }
    assert not too_long
