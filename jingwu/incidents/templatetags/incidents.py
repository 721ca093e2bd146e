from django import template

from jingwu.incidents.taxonomy import taxonomy

register = template.Library()


@register.filter
def incident_kind(incident: object) -> str:
    """'刑事警情·盗窃' for an incident's category and sub-type."""
    return taxonomy().label(incident.category, incident.subcategory)
