"""{% report_tasks %}: the reports entries of a dashboard (units late with a period, the reports page)."""

from django import template

from accounts.scope import policy_for

from .. import selectors

register = template.Library()


@register.inclusion_tag("reports/partials/home_tasks.html", takes_context=True)
def report_tasks(context):
    user = context["request"].user
    if not policy_for(user).requests_reports:
        return {"show": False}
    return {"show": True, "overdue": selectors.overdue_list(user=user).count()}
