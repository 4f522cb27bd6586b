from django.contrib import admin

from .models import BudgetYear, Program, Project, SubProject


class SubProjectInline(admin.TabularInline):
    model = SubProject
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["code", "short_name", "phase", "start_year", "end_year", "decision_no"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "program", "capital_types"]
    list_filter = ["program"]
    inlines = [SubProjectInline]


@admin.register(BudgetYear)
class BudgetYearAdmin(admin.ModelAdmin):
    list_display = ["year", "program"]
