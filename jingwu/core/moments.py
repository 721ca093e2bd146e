"""The time a user states for a step (when it happened), checked the same way everywhere."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from jingwu.core.errors import ServiceError

# How far ahead of the server's clock a stated time may be: terminals' clocks drift.
CLOCK_SKEW = timedelta(minutes=2)


def stated_moment(at: datetime | None, field: str = "at") -> datetime:
    """`at` if it is aware and not in the future (beyond the skew); now when none is stated."""
    now = timezone.now()
    if at is None:
        return now
    if timezone.is_naive(at):
        raise ServiceError("时间须带时区", {field: "时间须带时区"})
    if at > now + CLOCK_SKEW:
        raise ServiceError("时间不能晚于当前时间", {field: "时间不能晚于当前时间"})
    return at
