"""The portal's clock, the ledger's and the beneficiaries' alike: the real date, unless a backfill runs `as_of` a
past day.

Services ask `today()` for "not in the future" rules and deadlines, and a loader of past records (the demo, a
migration from spreadsheets) runs them `with as_of(day):` so the rules apply as they did on that day. Tests set
the day the same way (`with clock.as_of(day):`). Call it as `clock.today()` (the module's attribute), so that a
test whose writes run in other threads, which do not share the context variable, may patch `clock.today`.
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
