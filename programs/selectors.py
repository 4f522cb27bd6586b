"""Reads of the program structure (reference data: the same for every user)."""

import datetime

from .models import BudgetYear, Program, Project


def program_list():
    return Program.objects.prefetch_related("projects__subprojects").order_by("start_year")


def current_budget_year(*, today: datetime.date) -> BudgetYear | None:
    """The budget year of `today` (the clock decides, not a setting)."""
    return BudgetYear.objects.select_related("program").filter(year=today.year).first()


def project_by_code(code: str, *, year: int | None) -> Project | None:
    """The project of that code in the phase whose structure applies to `year` (a later phase may reuse DA1…),
    else any phase's; None when no project has the code."""
    projects = Project.objects.filter(code=code)
    program = BudgetYear.objects.filter(year=year).values_list("program_id", flat=True).first()
    return projects.filter(program_id=program).first() or projects.first()
