import django_filters
from django.utils import timezone
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from accounts.mixins import ScopedReadOnlyViewSet

from .models import AdministrativeUnit, Level


class UnitSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", default=None, read_only=True)
    region = serializers.SerializerMethodField()

    class Meta:
        model = AdministrativeUnit
        fields = [
            "code",
            "name",
            "level",
            "parent",
            "region",
            "unit_type",
            "valid_from",
            "valid_to",
            "is_extremely_difficult",
        ]

    def get_region(self, unit) -> str | None:
        return unit.region or None


class UnitFilterSet(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices)
    parent = django_filters.CharFilter(field_name="parent__code", label="Mã đơn vị cấp trên")
    valid_on = django_filters.DateFilter(method="filter_valid_on", label="Còn hiệu lực vào ngày (YYYY-MM-DD)")
    code = django_filters.CharFilter()

    class Meta:
        model = AdministrativeUnit
        fields = ["level", "parent", "valid_on", "code"]

    def filter_valid_on(self, queryset, name, value):
        return queryset.valid_on(value)


class UnitViewSet(ScopedReadOnlyViewSet):
    """Administrative units in the caller's scope, with their history (units replaced in 2025 carry `valid_to`)."""

    model = AdministrativeUnit
    queryset = AdministrativeUnit.objects.none()
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    lookup_field = "code"
    # A village's code has a dot (01888.91), which DRF's default pattern leaves out; a NUL is no code (and
    # PostgreSQL refuses it in a query).
    lookup_value_regex = r"[^/\x00]+"

    def scope_queryset(self, queryset):
        return queryset.select_related("parent").order_by("path")

    def get_object(self):
        """A code names the version valid today, or else the latest one."""
        versions = list(self.filter_queryset(self.get_queryset()).filter(code=self.kwargs["code"]))
        if not versions:
            raise NotFound()
        today = timezone.localdate()
        current = [unit for unit in versions if unit.is_valid_on(today)]
        return current[0] if current else versions[-1]
