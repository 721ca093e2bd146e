"""The search page (全文检索): one box, filters by type, unit, period and status, ranked hits with
highlighted snippets."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jingwu.access.policy import require
from jingwu.search import selectors
from jingwu.search.forms import SearchForm


def search_page(request: HttpRequest) -> HttpResponse:
    require(request.user, "search.use")
    form = SearchForm(request.GET or None, actor=request.user)
    result = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        data = form.cleaned_data
        filters = selectors.SearchFilters(
            kind=data["kind"] or "",
            unit_id=int(data["unit"]) if data["unit"] else None,
            date_from=data["date_from"],
            date_to=data["date_to"],
            status=data["status"] or "",
        )
        try:
            page = max(1, int(request.GET.get("page", "1")))
        except ValueError:
            page = 1
        result = selectors.search(actor=request.user, query=data["q"], filters=filters, page=page)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "search/search.html",
        {
            "form": form,
            "result": result,
            "base_query": query.urlencode(),
            "candidates": selectors.CANDIDATES,
        },
    )
