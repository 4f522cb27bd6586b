from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import User


@admin.register(User)
class PortalUserAdmin(SimpleHistoryAdmin, UserAdmin):
    """For superusers; portal roles manage accounts through the portal's own pages."""

    list_display = ["username", "full_name", "role", "unit", "is_active"]
    list_filter = ["role", "is_active"]
    raw_id_fields = ["unit", "created_by"]
    fieldsets = (*UserAdmin.fieldsets, ("Cổng thông tin", {"fields": ("full_name", "role", "unit", "created_by")}))
