from rest_framework import serializers, viewsets

from ethnic_portal.api import ReferencePagination

from .models import EthnicGroup


class EthnicGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = EthnicGroup
        fields = ["code", "name", "common_spelling", "other_names", "is_minority"]


class EthnicGroupViewSet(viewsets.ReadOnlyModelViewSet):
    """The 54 ethnic groups with their GSO codes (reference data, the same for every user)."""

    queryset = EthnicGroup.objects.order_by("code")
    serializer_class = EthnicGroupSerializer
    pagination_class = ReferencePagination
    lookup_field = "code"
    filterset_fields = ["is_minority"]
