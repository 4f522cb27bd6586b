from django.contrib import admin

from .models import EthnicGroup, HouseholdSupportKindRule, HouseholdSupportNorm, SupportNorm, SupportRegime, TetHoliday


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
