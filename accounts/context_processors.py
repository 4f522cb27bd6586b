from django.utils import timezone

from .scope import policy_for


def portal(request):
    """What every page needs to draw the navigation for the user's role."""
    user = getattr(request, "user", None)
    return {"policy": policy_for(user), "today": timezone.localdate()}
