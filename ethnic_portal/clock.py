"""The portal's clock: the real date, unless a backfill runs `as_of` a past day.

The same idea as the ledger's `disbursement.services.today()`/`as_of()` (which keeps its own clock for
now): services ask `today()` for "not in the future" rules, and a loader of past records (the demo, a
migration from spreadsheets) runs them `with as_of(day):` so the rules apply as they did on that day.
"""

import contextlib
import contextvars
import datetime

from django.utils import timezone

_clock: contextvars.ContextVar[datetime.date | None] = contextvars.ContextVar("portal_clock", default=None)


def today() -> datetime.date:
    return _clock.get() or timezone.localdate()


@contextlib.contextmanager
def as_of(day: datetime.date):
    token = _clock.set(day)
    try:
        yield day
    finally:
        _clock.reset(token)
