from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from jingwu.access.policy import can, require
from jingwu.core.errors import Conflict
from jingwu.core.forms import form_status, submit_form
from jingwu.people import selectors, services
from jingwu.people.forms import PersonForm


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "person.view")
    query = request.GET.get("q", "")
    people = selectors.person_list(actor=request.user, query=query)
    page = Paginator(people, 25).get_page(request.GET.get("page"))
    rows = [(p, selectors.personal_data(person=p)) for p in page.object_list]
    return render(
        request,
        "people/list.html",
        {"page": page, "rows": rows, "q": query, "can_create": can(request.user, "person.create")},
    )


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(actor=request.user, person_id=person_id)
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "data": selectors.personal_data(person=person),
            "can_reveal": can(request.user, "person.reveal", person),
            "can_change": can(request.user, "person.change", person),
        },
    )


@login_required
@require_POST
def person_reveal(request: HttpRequest, person_id: int) -> HttpResponse:
    data = selectors.person_reveal(actor=request.user, person_id=person_id)
    return render(request, "people/_personal_data.html", {"data": data, "person_id": person_id})


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    require(request.user, "person.create")
    form = PersonForm(request.POST or None)
    person = submit_form(
        request, form, lambda data: services.person_create(actor=request.user, **_fields(data))
    )
    if person:
        messages.success(request, f"已登记人员：{person.name}")
        return redirect("people:detail", person.pk)
    refusal = getattr(form, "service_error", None)
    if isinstance(refusal, Conflict):
        # A known ID number: point at the person already registered.
        context = {"form": form, "existing_id": refusal.existing_id}
        return render(request, "people/form.html", context, status=409)
    return render(request, "people/form.html", {"form": form}, status=form_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(actor=request.user, person_id=person_id)
    require(request.user, "person.change")
    initial = {f: getattr(person, f) for f in PERSON_FIELDS}
    form = PersonForm(request.POST or None, initial={**initial, "version": person.version})
    saved = submit_form(
        request,
        form,
        lambda data: services.person_update(
            actor=request.user, person_id=person.pk, version=data["version"] or 0, **_fields(data)
        ),
    )
    if saved:
        messages.success(request, "已保存")
        return redirect(reverse("people:detail", args=[person.pk]))
    return render(request, "people/form.html", {"form": form, "person": person}, status=form_status(form))


PERSON_FIELDS = ("name", "sex", "id_number", "phone", "address", "notes")


def _fields(data: dict[str, Any]) -> dict[str, str]:
    return {k: data[k] or "" for k in PERSON_FIELDS}
