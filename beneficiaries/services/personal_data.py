"""The one writer of the personal-data access log (Decree 13/2023/NĐ-CP): a row for every view of a person's or
household's record (page or API), every search by a citizen ID number, every export of people.

The row holds who (user, username and role as they were), the unit of the user (which scopes who may read the
row), what (the record's kind and id, or the number of records of a search or an export), when, and the
client's address as django-axes resolves it (the same proxy settings as the login lockout). Never the number
that was searched.
"""

import ipaddress

from axes.helpers import get_client_ip_address

from accounts.scope import can_read_program_data

from ..models import AccessAction, AccessSubject, PersonalDataAccess

__all__ = ["AccessAction", "AccessSubject", "client_ip", "record_access"]


def client_ip(request) -> str | None:
    address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
    try:
        return str(ipaddress.ip_address(str(address).strip())) if address else None
    except ValueError:
        return None


def record_access(*, request, action: str, subject: str, obj=None, count: int | None = None):
    """Append one row. A user who reads no program data (accounts.scope) sees none, so there is nothing to log; a
    nationwide user (no unit) is logged with no unit."""
    user = request.user
    if not getattr(user, "is_authenticated", False) or not can_read_program_data(user):
        return None
    return PersonalDataAccess.objects.create(
        user=user,
        username=user.get_username(),
        role=user.role,
        unit_id=user.unit_id,
        action=action,
        subject=subject,
        object_id=obj.pk if obj is not None else None,
        record_count=count,
        ip_address=client_ip(request),
    )
