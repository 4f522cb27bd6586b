"""Beneficiaries: ethnic groups (reference data), prestigious persons and their support, beneficiary
households and theirs, program activities, overlap reviews and Excel uploads."""

from .access import AccessAction, AccessSubject, PersonalDataAccess
from .activities import ActivityEthnicCount, ProgramActivity
from .households import CaseReview, FoundCase, Household, HouseholdSupport
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
from .totals import HouseholdSupportTotal, HouseholdTotal, HouseholdYearTotal

__all__ = [
    "AccessAction",
    "AccessSubject",
    "ActivityEthnicCount",
    "CaseReview",
    "EthnicGroup",
    "FoundCase",
    "Household",
    "HouseholdSupport",
    "HouseholdSupportKindRule",
    "HouseholdSupportNorm",
    "HouseholdSupportTotal",
    "HouseholdTotal",
    "HouseholdYearTotal",
    "ImportBatch",
    "ImportKind",
    "PersonalDataAccess",
    "PrestigiousPerson",
    "ProgramActivity",
    "SupportActivity",
    "SupportNorm",
    "SupportRegime",
    "TetHoliday",
    "TetSeason",
    "TrainingCourse",
]
