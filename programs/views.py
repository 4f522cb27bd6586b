from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from . import selectors


class ProgramStructureView(LoginRequiredMixin, TemplateView):
    """The phases of the program with their projects, sub-projects and capital types."""

    template_name = "programs/program_structure.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["programs"] = selectors.program_list()
        return context
