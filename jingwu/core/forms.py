"""Helpers shared by the apps' thin views."""

from __future__ import annotations

from django import forms

from jingwu.core.errors import ServiceError


def apply_service_error(form: forms.Form, error: ServiceError) -> None:
    """Show a service's refusal on the form: per field where it names one, else on the form."""
    placed = False
    for field, message in error.field_errors.items():
        if field in form.fields:
            form.add_error(field, message)
            placed = True
    if not placed or not error.field_errors:
        form.add_error(None, error.message)
