from django.contrib import admin

from .models import AdministrativeUnit, UnitSuccession


class SuccessionInline(admin.TabularInline):
    model = UnitSuccession
    fk_name = "successor"
    raw_id_fields = ["predecessor"]
    extra = 0


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "unit_type", "parent", "region", "valid_from", "valid_to"]
    list_filter = ["level", "unit_type", "region", "is_extremely_difficult"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path"]
    inlines = [SuccessionInline]
    list_select_related = ["parent"]
