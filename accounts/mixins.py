"""Base classes that make the scope filter unavoidable in views and API viewsets.

Subclasses never define `get_queryset`; they may narrow the scoped queryset in
`scope_queryset(qs)`. A detail lookup therefore runs on the scoped queryset, and another
unit's row answers 404, never 403.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from rest_framework import viewsets


class _ScopedQuerysetMixin:
    model = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} must not override get_queryset; use scope_queryset(qs) instead.")

    def scope_queryset(self, queryset):
        return queryset

    def get_queryset(self):
        model = self.model or self.queryset.model
        return self.scope_queryset(model.objects.for_user(self.request.user))


class ScopedViewMixin(LoginRequiredMixin, _ScopedQuerysetMixin):
    """For Django class-based views over a scoped model."""


class ScopedReadOnlyViewSet(_ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """For read-only API endpoints over a scoped model."""


class ScopedModelViewSet(_ScopedQuerysetMixin, viewsets.ModelViewSet):
    """For read-write API endpoints over a scoped model; writes call services."""
