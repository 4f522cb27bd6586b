from django.contrib import admin

from .models import EthnicGroup


@admin.register(EthnicGroup)
class EthnicGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "common_spelling", "is_minority"]
    search_fields = ["code", "name", "other_names"]
