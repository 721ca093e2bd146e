"""The home page's section of deadline warnings (期限预警), shown by jingwu.web.home."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone

from jingwu.supervision.selectors import deadlines_for
from jingwu.supervision.views import countdown_text, subject_labels

if TYPE_CHECKING:
    from jingwu.web.home import HomeSection

HOME_ROWS = 6
#: Roles that watch deadlines beyond their own: the unit's (chief, legal officer) or the bureau's.
_OVERSEERS = frozenset({"unit_chief", "legal_officer", "legal_affairs", "leader", "procurator", "admin"})


def home_section(user: Any) -> HomeSection | None:
    """The user's top warnings and breaches, soonest due first: an officer's own (cases they lead,
    incidents they were dispatched to), a chief's unit's, legal affairs' the whole bureau's. None for a
    user who oversees nothing and has nothing of their own to watch."""
    from jingwu.web.home import HomeSection  # jingwu.web.home may import this module

    if not getattr(user, "is_authenticated", False):
        return None
    mine = user.role_codes.isdisjoint(_OVERSEERS)
    deadlines = list(deadlines_for(actor=user, mine=mine)[:HOME_ROWS])
    if mine and not deadlines and not user.role_codes & {"officer", "dispatcher"}:
        return None
    now = timezone.now()
    labels = subject_labels(deadlines)
    url = reverse("supervision:deadlines")
    return HomeSection(
        "我的期限预警" if mine else "期限预警与超期",
        [
            {
                "label": f"{d.title} · {labels.get((d.subject_type, d.subject_id), d.subject_id)}",
                "detail": f"{'超期' if d.status == 'breach' else '预警'} · {countdown_text(d.due_at, now)}",
                "url": d.subject_url,
            }
            for d in deadlines
        ],
        "暂无预警或超期的期限",
        url + ("?mine=1" if mine else ""),
    )


def notice_section(user: Any) -> HomeSection | None:
    """监督通知: the notices still waiting for the user's side — for the unit, those to rectify; for the
    issuers (legal affairs, procurators), those responded and waiting for acceptance. None for others."""
    from jingwu.access.policy import has_capability
    from jingwu.supervision.models import OPEN_NOTICE_STATUSES, NoticeStatus
    from jingwu.supervision.selectors import notices_for
    from jingwu.web.home import HomeSection

    if has_capability(user, "notice.issue") or has_capability(user, "opinion.issue"):
        notices = notices_for(actor=user, status=NoticeStatus.RESPONDED)
        title, empty = "待验收的整改反馈", "暂无待验收的整改反馈"
    elif has_capability(user, "notice.respond") or user.role_codes & {"legal_officer"}:
        notices = notices_for(actor=user).filter(status__in=OPEN_NOTICE_STATUSES)
        title, empty = "待整改的监督通知", "暂无待整改的监督通知"
    else:
        return None
    rows = list(notices[:HOME_ROWS])
    return HomeSection(
        title,
        [
            {
                "label": f"{n.number} · {n.case.number}",
                "detail": f"{n.get_status_display()} · 整改期限 {n.rectify_by:%Y-%m-%d}",
                "url": reverse("supervision:notice", args=[n.pk]),
            }
            for n in rows
        ],
        empty,
        reverse("supervision:notices"),
    )
