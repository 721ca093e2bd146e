from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from jingwu.access.policy import can, require
from jingwu.core.errors import Conflict, ServiceError
from jingwu.core.forms import apply_service_error
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
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(actor=request.user, **_fields(form))
        except Conflict as exc:
            apply_service_error(form, exc)
            existing = exc.existing_id
            return render(request, "people/form.html", {"form": form, "existing_id": existing}, status=409)
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, f"已登记人员：{person.name}")
            return redirect("people:detail", person.pk)
    return render(request, "people/form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = selectors.person_get(actor=request.user, person_id=person_id)
    require(request.user, "person.change")
    initial = {f: getattr(person, f) for f in ("name", "sex", "id_number", "phone", "address", "notes")}
    form = PersonForm(request.POST or None, initial={**initial, "version": person.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(
                actor=request.user,
                person_id=person.pk,
                version=form.cleaned_data["version"] or 0,
                **_fields(form),
            )
        except ServiceError as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect(reverse("people:detail", args=[person.pk]))
    return render(
        request, "people/form.html", {"form": form, "person": person}, status=400 if form.errors else 200
    )


def _fields(form: PersonForm) -> dict[str, str]:
    data = form.cleaned_data
    return {k: data[k] or "" for k in ("name", "sex", "id_number", "phone", "address", "notes")}
