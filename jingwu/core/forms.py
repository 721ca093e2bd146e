"""Helpers shared by the apps' thin views."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.http import HttpRequest

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


def submit_form[T](request: HttpRequest, form: forms.Form, action: Callable[[dict[str, Any]], T]) -> T | None:
    """For a POSTed, valid form run `action(cleaned_data)` (a service call) and return its result.

    None means "show the form again": it was not posted, it is invalid, or the service refused — then
    the refusal is on the form (`form.service_error` keeps it for views that need more, e.g. a 409).
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return action(form.cleaned_data)
    except ServiceError as exc:
        apply_service_error(form, exc)
        form.service_error = exc  # type: ignore[attr-defined]
        return None


def form_status(form: forms.Form) -> int:
    """400 for a form shown again with errors, so that clients and tests can tell."""
    return 400 if form.errors else 200


def refusal_status(form: forms.Form) -> int:
    """The status of a form shown again: the service's own (e.g. 409 for a conflict) when it refused,
    else :func:`form_status`."""
    refusal = getattr(form, "service_error", None)
    return refusal.status_code if refusal is not None else form_status(form)


def renamed_fields[T](
    names: Mapping[str, str],
) -> Callable[[Callable[[dict[str, Any]], T]], Callable[[dict[str, Any]], T]]:
    """Wrap a service call so that a refusal's field errors carry the form's field names (the services
    name arguments ``village_id``, the forms ``village``), so each refusal lands on its input."""

    def wrap(action: Callable[[dict[str, Any]], T]) -> Callable[[dict[str, Any]], T]:
        def call(data: dict[str, Any]) -> T:
            try:
                return action(data)
            except ServiceError as exc:
                exc.field_errors = {names.get(k, k): v for k, v in exc.field_errors.items()}
                raise

        return call

    return wrap
