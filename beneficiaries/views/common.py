"""Pieces shared by the beneficiaries' pages."""

from django.shortcuts import get_object_or_404


class ObjectMixin:
    """`self.object_for(pk)`: the row among those the user may see, or 404."""

    def object_for(self, pk):
        return get_object_or_404(self.get_queryset(), pk=pk)
