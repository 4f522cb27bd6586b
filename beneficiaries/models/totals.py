"""Running totals of households and household supports by commune, for the list pages' counts and sums.

Kept by beneficiaries/totals.py in the same transaction as every household and household-support write (never
stale); `totals.rebuild_all()` recomputes them from the rows after a bulk load. A village's rows count for its
commune. Project and sub-project keys are 0 where there is none (so that the unique keys hold).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.scope import ScopedQuerySet


class HouseholdTotal(models.Model):
    # No database constraints on the keys: a commit's key-share lock on a unit row could meet a writer's lock.
    commune = models.ForeignKey(
        "geography.AdministrativeUnit", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    ethnic_group = models.ForeignKey(
        "beneficiaries.EthnicGroup", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    poverty_status = models.CharField(max_length=10)
    households = models.IntegerField(default=0)
    members = models.IntegerField(default=0)
    supported = models.IntegerField(default=0)  # households with at least one support

    objects = ScopedQuerySet.as_manager()
    scope_lookup = "commune"

    class Meta:
        verbose_name = _("tổng hợp hộ theo xã")
        verbose_name_plural = _("tổng hợp hộ theo xã")
        constraints = [
            models.UniqueConstraint(fields=["commune", "ethnic_group", "poverty_status"], name="household_total_key")
        ]

    def __str__(self):
        return f"{self.commune_id}/{self.ethnic_group_id}/{self.poverty_status}: {self.households}"


class HouseholdSupportTotal(models.Model):
    commune = models.ForeignKey(
        "geography.AdministrativeUnit", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    kind = models.CharField(max_length=20)
    funding_program = models.CharField(max_length=12)
    year = models.PositiveSmallIntegerField()
    project_key = models.BigIntegerField(default=0)
    subproject_key = models.BigIntegerField(default=0)
    supports = models.IntegerField(default=0)
    amount = models.BigIntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_lookup = "commune"

    class Meta:
        verbose_name = _("tổng hợp hỗ trợ hộ theo xã")
        verbose_name_plural = _("tổng hợp hỗ trợ hộ theo xã")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "kind", "funding_program", "year", "project_key", "subproject_key"],
                name="household_support_total_key",
            )
        ]

    def __str__(self):
        return f"{self.commune_id}/{self.kind}/{self.funding_program}/{self.year}: {self.supports}"


class HouseholdYearTotal(models.Model):
    """How many households of a commune received at least one support of a year (the support list's "households"
    when a year is chosen)."""

    commune = models.ForeignKey(
        "geography.AdministrativeUnit", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    households = models.IntegerField(default=0)

    objects = ScopedQuerySet.as_manager()
    scope_lookup = "commune"

    class Meta:
        verbose_name = _("tổng hợp hộ được hỗ trợ theo năm")
        verbose_name_plural = _("tổng hợp hộ được hỗ trợ theo năm")
        constraints = [models.UniqueConstraint(fields=["commune", "year"], name="household_year_total_key")]

    def __str__(self):
        return f"{self.commune_id}/{self.year}: {self.households}"
