"""When the next refresh is allowed, and how the wait is shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liner.domain.cooldown import can_refresh, format_wait, next_refresh_at, seconds_until

NOON = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
COOLDOWN = timedelta(hours=24)


def test_the_next_refresh_is_one_cooldown_after_the_last() -> None:
    assert next_refresh_at(NOON, COOLDOWN) == datetime(2024, 5, 2, 12, 0, tzinfo=UTC)


def test_the_next_refresh_is_given_in_utc() -> None:
    paris = datetime(2024, 5, 1, 14, 0, tzinfo=ZoneInfo("Europe/Paris"))
    result = next_refresh_at(paris, COOLDOWN)
    assert result.tzinfo is UTC
    assert result == datetime(2024, 5, 2, 12, 0, tzinfo=UTC)


def test_a_cooldown_across_a_dst_change_is_real_elapsed_time() -> None:
    # Europe/Paris springs forward on 2024-03-31: 24 h later is 13:00 local, not 12:00.
    before = datetime(2024, 3, 30, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))
    after = next_refresh_at(before, COOLDOWN)
    assert after - before == COOLDOWN
    assert after.astimezone(ZoneInfo("Europe/Paris")).hour == 13


def test_a_negative_cooldown_is_refused() -> None:
    with pytest.raises(ValueError, match="cooldown"):
        next_refresh_at(NOON, timedelta(seconds=-1))


def test_naive_datetimes_are_refused_everywhere() -> None:
    naive = datetime(2024, 5, 1, 12, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        next_refresh_at(naive, COOLDOWN)
    with pytest.raises(ValueError, match="timezone-aware"):
        seconds_until(naive, NOON)
    with pytest.raises(ValueError, match="timezone-aware"):
        seconds_until(NOON, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        can_refresh(naive, NOON)
    with pytest.raises(ValueError, match="timezone-aware"):
        can_refresh(NOON, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        can_refresh(naive, None)


def test_the_remaining_seconds_are_rounded_up() -> None:
    assert seconds_until(NOON, NOON + timedelta(seconds=10)) == 10
    assert seconds_until(NOON, NOON + timedelta(seconds=10, microseconds=1)) == 11
    assert seconds_until(NOON, NOON + timedelta(microseconds=1)) == 1


def test_the_remaining_seconds_are_never_negative() -> None:
    assert seconds_until(NOON, NOON) == 0
    assert seconds_until(NOON, NOON - timedelta(hours=3)) == 0
    assert seconds_until(NOON, NOON - timedelta(microseconds=1)) == 0


def test_the_remaining_seconds_compare_instants_across_zones() -> None:
    plus_two = timezone(timedelta(hours=2))
    assert seconds_until(NOON, datetime(2024, 5, 1, 14, 0, 30, tzinfo=plus_two)) == 30


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0m"),
        (1, "1m"),
        (59, "1m"),
        (60, "1m"),
        (61, "2m"),
        (12 * 60, "12m"),
        (59 * 60, "59m"),
        (59 * 60 + 1, "1h 0m"),
        (59 * 60 + 30, "1h 0m"),
        (3600, "1h 0m"),
        (3601, "1h 1m"),
        (5 * 3600 + 11 * 60 + 1, "5h 12m"),
        (5 * 3600 + 12 * 60, "5h 12m"),
        (24 * 3600, "24h 0m"),
        (48 * 3600 + 5, "48h 1m"),
    ],
)
def test_the_wait_is_shown_in_hours_and_minutes_rounded_up(seconds: int, text: str) -> None:
    assert format_wait(seconds) == text


def test_a_negative_wait_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_wait(-1)


def test_someone_who_never_refreshed_may_refresh() -> None:
    assert can_refresh(NOON, None)


def test_a_refresh_is_refused_within_the_cooldown() -> None:
    next_at = next_refresh_at(NOON, COOLDOWN)
    assert not can_refresh(NOON + timedelta(hours=23, minutes=59, seconds=59), next_at)
    assert not can_refresh(next_at - timedelta(microseconds=1), next_at)


def test_a_refresh_is_allowed_from_the_exact_moment_the_cooldown_ends() -> None:
    next_at = next_refresh_at(NOON, COOLDOWN)
    assert can_refresh(next_at, next_at)
    assert can_refresh(next_at + timedelta(days=3), next_at)


aware_datetimes = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5)), ZoneInfo("Europe/Paris")]),
)


@given(st.integers(min_value=0, max_value=10 * 24 * 3600))
def test_property_the_shown_wait_is_never_shorter_than_the_real_one(seconds: int) -> None:
    text = format_wait(seconds)
    hours, _, minutes = text.rpartition(" ")
    shown = int(hours.removesuffix("h") or 0) * 3600 + int(minutes.removesuffix("m")) * 60
    assert seconds <= shown < seconds + 60
    assert int(minutes.removesuffix("m")) < 60


@given(aware_datetimes, aware_datetimes)
def test_property_a_refresh_is_allowed_exactly_when_no_wait_remains(
    now: datetime, next_at: datetime
) -> None:
    assert can_refresh(now, next_at) == (seconds_until(now, next_at) == 0)


@given(aware_datetimes, aware_datetimes)
def test_property_the_remaining_seconds_cover_the_real_remaining_time(
    now: datetime, moment: datetime
) -> None:
    remaining = seconds_until(now, moment)
    # Compare instants in UTC: same-zone datetimes compare and add by wall clock.
    now, moment = now.astimezone(UTC), moment.astimezone(UTC)
    assert remaining >= 0
    assert now + timedelta(seconds=remaining) >= moment
    assert remaining == 0 or now + timedelta(seconds=remaining - 1) < moment
