"""When a person may refresh their listening again.

Contract:

- Every datetime must be timezone-aware; a naive one raises ``ValueError``.
  Inputs are converted to UTC before any arithmetic, so an aware datetime in
  another zone is still handled correctly (adding a timedelta to a zoned
  datetime would otherwise add *wall-clock* time across a DST change), and
  every datetime returned is in UTC.
- ``seconds_until`` is the ceiling of the remaining time in whole seconds,
  never negative: a wait of 0.2 s is reported as 1 s, a moment in the past as 0.
- ``format_wait`` never under-reports: minutes are rounded *up*, so the text
  is at least the real wait and less than a minute over it. Under an hour it
  is ``"12m"``; from an hour on it is ``"5h 12m"`` (hours are not folded into
  days: 24 h is ``"24h 0m"``). A wait of 59 min 30 s rounds up to 60 min and
  reads ``"1h 0m"``; 0 reads ``"0m"``; 1 s reads ``"1m"``.
- ``can_refresh(now, next_at)`` is True exactly when ``seconds_until(now,
  next_at) == 0`` (always True when there was no refresh yet).

Pure: standard library only, time is passed in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["can_refresh", "format_wait", "next_refresh_at", "seconds_until"]

_ONE_MICROSECOND = timedelta(microseconds=1)
_MICROSECONDS_PER_SECOND = 1_000_000


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def next_refresh_at(refreshed_at: datetime, cooldown: timedelta) -> datetime:
    """The first moment a refresh is allowed again, in UTC."""
    if cooldown < timedelta(0):
        raise ValueError(f"cooldown must not be negative, got {cooldown}")
    return _utc(refreshed_at, "refreshed_at") + cooldown


def seconds_until(now: datetime, moment: datetime) -> int:
    """Whole seconds from ``now`` until ``moment``, rounded up; 0 once it has passed."""
    remaining = _utc(moment, "moment") - _utc(now, "now")
    # Integer microseconds keep the ceiling exact (no float rounding).
    microseconds = remaining // _ONE_MICROSECOND
    return max(0, -(-microseconds // _MICROSECONDS_PER_SECOND))


def format_wait(seconds: int) -> str:
    """A short, never-too-short wait: ``"5h 12m"`` or ``"12m"`` (minutes rounded up)."""
    if seconds < 0:
        raise ValueError(f"seconds must not be negative, got {seconds}")
    minutes = -(-seconds // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes}m" if hours else f"{minutes}m"


def can_refresh(now: datetime, next_at: datetime | None) -> bool:
    """Whether a refresh is allowed at ``now``; ``next_at=None`` means never refreshed."""
    if next_at is None:
        _utc(now, "now")
        return True
    return _utc(now, "now") >= _utc(next_at, "next_at")
