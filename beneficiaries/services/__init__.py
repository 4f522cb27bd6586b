"""Writes of the beneficiaries app. Forms, the API, Excel imports, commands and the demo all come through here."""

from .activities import program_activity_create, program_activity_delete, program_activity_update
from .households import (
    household_create,
    household_delete,
    household_support_create,
    household_support_delete,
    household_support_update,
    household_update,
)
from .personal_data import record_access
from .persons import (
    norm_for,
    norm_variant,
    person_create,
    person_delete,
    person_update,
    persons_record,
    regime_on,
    support_activities_record,
    support_activity_create,
    support_activity_delete,
    support_activity_update,
    tet_season,
    tet_season_save,
    tet_year_of,
    training_course_add_participants,
    training_course_create,
    training_course_update,
)
from .reviews import case_review_save

__all__ = [
    "case_review_save",
    "household_create",
    "household_delete",
    "household_support_create",
    "household_support_delete",
    "household_support_update",
    "household_update",
    "norm_for",
    "norm_variant",
    "person_create",
    "person_delete",
    "person_update",
    "persons_record",
    "program_activity_create",
    "program_activity_delete",
    "program_activity_update",
    "record_access",
    "regime_on",
    "support_activities_record",
    "support_activity_create",
    "support_activity_delete",
    "support_activity_update",
    "tet_season",
    "tet_season_save",
    "tet_year_of",
    "training_course_add_participants",
    "training_course_create",
    "training_course_update",
]
