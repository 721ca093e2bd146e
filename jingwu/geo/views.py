from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jingwu.geo import selectors


@login_required
def township_list(request: HttpRequest) -> HttpResponse:
    return render(request, "geo/townships.html", {"townships": selectors.township_list(actor=request.user)})


@login_required
def township_detail(request: HttpRequest, code: str) -> HttpResponse:
    township = selectors.division_get(actor=request.user, code=code)
    if township is None or township.level != 4:
        raise Http404
    villages = selectors.village_list(actor=request.user, township_code=code)
    return render(request, "geo/township.html", {"township": township, "villages": villages})
