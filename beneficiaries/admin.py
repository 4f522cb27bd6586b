from django.contrib import admin

from .models import (
    EthnicGroup,
    HouseholdSupportKindRule,
    HouseholdSupportNorm,
    PersonalDataAccess,
    SupportNorm,
    SupportRegime,
    TetHoliday,
)


@admin.register(EthnicGroup)
class EthnicGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "common_spelling", "is_minority"]
    search_fields = ["code", "name", "other_names"]


class SupportNormInline(admin.TabularInline):
    model = SupportNorm
    extra = 0


@admin.register(SupportRegime)
class SupportRegimeAdmin(admin.ModelAdmin):
    """Support to prestigious persons by legal regime: the amounts are data the administrator keeps current."""

    list_display = ["code", "name", "valid_from", "valid_to"]
    inlines = [SupportNormInline]


@admin.register(TetHoliday)
class TetHolidayAdmin(admin.ModelAdmin):
    list_display = ["year", "date"]


@admin.register(HouseholdSupportKindRule)
class HouseholdSupportKindRuleAdmin(admin.ModelAdmin):
    list_display = ["kind", "once_only", "legal_basis"]


@admin.register(HouseholdSupportNorm)
class HouseholdSupportNormAdmin(admin.ModelAdmin):
    list_display = ["kind", "funding_program", "amount", "confirmed"]
    list_filter = ["funding_program", "confirmed"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    """The personal-data access log, read only: it is append-only (models/access.py), here as everywhere."""

    list_display = ["at", "username", "role", "unit", "action", "subject", "object_id", "record_count", "ip_address"]
    list_filter = ["action", "subject", "role"]
    search_fields = ["username"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}
