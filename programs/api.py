from rest_framework import serializers, viewsets

from ethnic_portal.api import ReferencePagination

from .models import Project, SubProject


class SubProjectSerializer(serializers.ModelSerializer):
    capital_types = serializers.ListField(source="capital_type_list", child=serializers.CharField(), read_only=True)

    class Meta:
        model = SubProject
        fields = ["code", "name", "capital_types"]


class ProjectSerializer(serializers.ModelSerializer):
    subprojects = SubProjectSerializer(many=True, read_only=True)
    program = serializers.CharField(source="program.code", read_only=True)
    capital_types = serializers.ListField(source="capital_type_list", child=serializers.CharField(), read_only=True)

    class Meta:
        model = Project
        fields = ["code", "name", "subprojects", "program", "capital_types", "lead_agency"]


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """The projects and sub-projects of the program (reference data, the same for every user)."""

    queryset = (
        Project.objects.select_related("program")
        .prefetch_related("subprojects")
        .order_by("program__start_year", "number")
    )
    serializer_class = ProjectSerializer
    pagination_class = ReferencePagination
    lookup_field = "code"
    filterset_fields = {"program__code": ["exact"]}
