"""Beneficiaries: ethnic groups (reference data), prestigious persons and their support, beneficiary
households and theirs, program activities, overlap reviews and Excel uploads."""

from .activities import ActivityEthnicCount, ProgramActivity
from .households import CaseReview, Household, HouseholdSupport
from .imports import ImportBatch, ImportKind
from .persons import PrestigiousPerson, SupportActivity, TetSeason, TrainingCourse
from .reference import (
    EthnicGroup,
    HouseholdSupportKindRule,
    HouseholdSupportNorm,
    SupportNorm,
    SupportRegime,
    TetHoliday,
)

__all__ = [
    "ActivityEthnicCount",
    "CaseReview",
    "EthnicGroup",
    "Household",
    "HouseholdSupport",
    "HouseholdSupportKindRule",
    "HouseholdSupportNorm",
    "ImportBatch",
    "ImportKind",
    "PrestigiousPerson",
    "ProgramActivity",
    "SupportActivity",
    "SupportNorm",
    "SupportRegime",
    "TetHoliday",
    "TetSeason",
    "TrainingCourse",
]
