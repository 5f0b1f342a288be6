"""Calendar periods for the history reports: days, weeks (Monday to Sunday) and calendar months."""

from datetime import date, timedelta

INTERVALS = ("day", "week", "month")
# The most points or periods one history report gives; a longer series asks for a wider interval.
MAX_POINTS = 1000


def period_start(day: date, interval: str) -> date:
    """The first day of the calendar period holding `day` (what PostgreSQL's date_trunc gives)."""
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


def _next_start(start: date, interval: str) -> date:
    if interval == "week":
        return start + timedelta(days=7)
    if interval == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=1)


def count(date_from: date, date_to: date, interval: str) -> int:
    """How many periods [date_from, date_to] spans."""
    if interval == "day":
        return (date_to - date_from).days + 1
    if interval == "week":
        return (period_start(date_to, "week") - period_start(date_from, "week")).days // 7 + 1
    return (date_to.year - date_from.year) * 12 + date_to.month - date_from.month + 1


def periods(date_from: date, date_to: date, interval: str) -> list[tuple[date, date]]:
    """(start, end) of each period from date_from to date_to, both clipped to the range: the first starts
    on date_from and the last ends on date_to."""
    found = []
    start = period_start(date_from, interval)
    while start <= date_to:
        following = _next_start(start, interval)
        found.append((max(start, date_from), min(following - timedelta(days=1), date_to)))
        start = following
    return found
