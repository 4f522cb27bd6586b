"""Reads of the program structure (reference data: the same for every user)."""

import datetime

from .models import BudgetYear, Program


def program_list():
    return Program.objects.prefetch_related("projects__subprojects").order_by("start_year")


def current_budget_year(*, today: datetime.date) -> BudgetYear | None:
    """The budget year of `today` (the clock decides, not a setting)."""
    return BudgetYear.objects.select_related("program").filter(year=today.year).first()
