"""The inbox page (站内消息): the user's own messages, newest first; mark one or all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from jingwu.access.policy import require
from jingwu.notifications import selectors, services


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    require(request.user, "notification.view")
    unread = request.GET.get("unread") == "1"
    page = Paginator(selectors.notifications_for(actor=request.user, unread=unread), 30).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "unread": unread,
        "unread_total": selectors.unread_count(actor=request.user),
        "extra_query": "unread=1&" if unread else "",
    }
    return render(request, "notifications/inbox.html", context)


@login_required
@require_POST
def read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one message read; with ``open`` go on to the page it points at (a local path only)."""
    notification = services.notification_read(actor=request.user, notification_id=notification_id)
    target = notification.url
    if request.POST.get("open") and target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_read_all(actor=request.user)
    messages.success(request, f"已将 {count} 条消息标为已读" if count else "没有未读消息")
    return redirect("notifications:inbox")
