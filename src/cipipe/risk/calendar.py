"""Reading the policy's calendar: is a moment inside a peak, maintenance or freeze window?"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from cipipe.risk.policy.thresholds import CalendarWindows, WeeklyWindow

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _clock(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _in_weekly(window: WeeklyWindow, weekday: str, minute: int) -> bool:
    start, end = _clock(window.start), _clock(window.end)
    if start < end:
        return weekday in window.days and start <= minute < end
    # Wraps past midnight: the evening of a listed day, or the early hours after one.
    yesterday = _WEEKDAYS[(_WEEKDAYS.index(weekday) - 1) % 7]
    return (weekday in window.days and minute >= start) or (
        yesterday in window.days and minute < end
    )


def in_windows(windows: CalendarWindows, moment: datetime, timezone: str) -> bool:
    """True when ``moment`` (timezone-aware) falls in any weekly or dated window, read in the
    calendar's time zone: "09:00" means nine in the morning where the business is."""
    local = moment.astimezone(ZoneInfo(timezone))
    weekday = _WEEKDAYS[local.weekday()]
    minute = local.hour * 60 + local.minute
    if any(_in_weekly(window, weekday, minute) for window in windows.weekly):
        return True
    return any(span.start <= local.date() <= span.end for span in windows.dates)
