"""FilterSet base for every list: its form gets the Bootstrap classes of the portal's other forms."""

import django_filters

from .forms import BootstrapFormMixin


class PortalFilterSet(django_filters.FilterSet):
    def get_form_class(self):
        base = super().get_form_class()
        return type(base.__name__, (BootstrapFormMixin, base), {})
