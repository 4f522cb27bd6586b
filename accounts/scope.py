"""The one place where roles and unit scope are decided.

Every user has one role and one administrative unit. What a role may do is read from
ROLE_POLICIES (the contract's role table); nothing else in the code branches on role names.
A user sees their unit and everything below it, plus the history of the units theirs
replaced (a commune formed in the 2025 mergers sees the communes it was made of).
A nationwide role (the Ministry's staff) is attached to no unit and sees the whole country:
its one scope root is the empty path, which every unit's path starts with.

Reads: `Model.objects.for_user(user)` on a ScopedQuerySet. Writes and approvals:
`can_write`, `can_submit`, `can_approve`, `can_manage_user`, used by the services. Personal data
(Decree 13/2023/NĐ-CP): `can_see_personal_data` (unmasked citizen ID numbers), `can_read_access_log`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCE = "province", _("Cán bộ Ban Dân tộc tỉnh")
    DISTRICT = "district", _("Cán bộ Phòng Dân tộc huyện")
    COMMUNE = "commune", _("Cán bộ xã")
    LEADER = "leader", _("Lãnh đạo tỉnh")
    ADMIN = "admin", _("Quản trị hệ thống")
    NATIONAL = "national", _("Cán bộ Bộ Dân tộc và Tôn giáo")


@dataclass(frozen=True)
class RolePolicy:
    reads_program_data: bool
    writes: bool
    submits: bool
    approves: bool
    requests_reports: bool
    manages_reference_data: bool
    manages_roles: frozenset
    unit_levels: frozenset  # the levels of unit a user of this role may be attached to
    # Personal data (Decree 13/2023/NĐ-CP): who sees citizen ID numbers and household details unmasked, and
    # who reads the log of access to them. See can_see_personal_data / can_read_access_log.
    sees_personal_data: bool = False
    reads_access_log: bool = False
    # Attached to no unit: reads the whole country (unit_levels is empty). A user of such a role who has a unit
    # gets nothing (fail closed), as does a user of any other role without one.
    nationwide: bool = False


ROLE_POLICIES: dict[str, RolePolicy] = {
    Role.PROVINCE: RolePolicy(
        reads_program_data=True,
        writes=True,
        submits=False,
        approves=True,
        requests_reports=True,
        manages_reference_data=False,
        manages_roles=frozenset({Role.DISTRICT, Role.COMMUNE}),
        unit_levels=frozenset({"province"}),
        sees_personal_data=False,
        reads_access_log=True,
    ),
    Role.DISTRICT: RolePolicy(
        reads_program_data=True,
        writes=True,
        submits=True,
        approves=False,
        requests_reports=True,
        manages_reference_data=False,
        manages_roles=frozenset({Role.COMMUNE}),
        unit_levels=frozenset({"district"}),
        sees_personal_data=True,
        reads_access_log=False,
    ),
    Role.COMMUNE: RolePolicy(
        reads_program_data=True,
        writes=True,
        submits=True,  # only where the commune reports straight to the province (two-level government)
        approves=False,
        requests_reports=False,
        manages_reference_data=False,
        manages_roles=frozenset(),
        unit_levels=frozenset({"commune"}),
        sees_personal_data=True,
        reads_access_log=False,
    ),
    Role.LEADER: RolePolicy(
        reads_program_data=True,
        writes=False,
        submits=False,
        approves=False,
        requests_reports=True,
        manages_reference_data=False,
        manages_roles=frozenset(),
        unit_levels=frozenset({"province"}),
        sees_personal_data=False,
        reads_access_log=False,
    ),
    Role.ADMIN: RolePolicy(
        reads_program_data=False,
        writes=False,
        submits=False,
        approves=False,
        requests_reports=False,
        manages_reference_data=True,
        # A nationwide account is made by the system (create_portal_user), not by a unit's administrator.
        manages_roles=frozenset(Role.values) - {Role.NATIONAL},
        unit_levels=frozenset({"province", "district", "commune"}),
        sees_personal_data=False,
        reads_access_log=True,
    ),
    # Bộ Dân tộc và Tôn giáo (formerly Ủy ban Dân tộc), which runs the Program: reads the program data of every
    # province, old and new trees, writes and approves nothing, asks for reports (national ones included).
    # Citizen ID numbers reach it masked, as they reach province staff.
    Role.NATIONAL: RolePolicy(
        reads_program_data=True,
        writes=False,
        submits=False,
        approves=False,
        requests_reports=True,
        manages_reference_data=False,
        manages_roles=frozenset(),
        unit_levels=frozenset(),
        sees_personal_data=False,
        reads_access_log=False,
        nationwide=True,
    ),
}

# The policy of nobody: anonymous, inactive or unit-less users.
NO_ACCESS = RolePolicy(False, False, False, False, False, False, frozenset(), frozenset())


def policy_for(user) -> RolePolicy:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ACCESS
    policy = ROLE_POLICIES.get(user.role, NO_ACCESS)
    if policy.nationwide != (getattr(user, "unit_id", None) is None):
        return NO_ACCESS  # a unit-less user of a unit role, or a nationwide user given a unit
    return policy


NATIONWIDE = ""  # the scope root of a nationwide user: every path starts with it


def is_nationwide(user) -> bool:
    return policy_for(user).nationwide


def visible_roots(user) -> list[str] | None:
    """Path prefixes of the units a user may see, or None when they may see nothing.

    The user's own unit, plus every unit it replaced (followed back through the mergers).
    Computed once per user object.
    """
    policy = policy_for(user)
    if policy is NO_ACCESS:
        return None
    if policy.nationwide:
        return [NATIONWIDE]
    cached = getattr(user, "_scope_roots", None)
    if cached is not None:
        return cached
    from geography.models import UnitSuccession

    unit = user.unit
    roots = [unit.path]
    frontier = [unit.pk]
    seen = {unit.pk}
    while frontier:
        rows = list(
            UnitSuccession.objects.filter(successor_id__in=frontier).values_list("predecessor_id", "predecessor__path")
        )
        frontier = []
        for pk, path in rows:
            if pk not in seen:
                seen.add(pk)
                frontier.append(pk)
                roots.append(path)
    # A root inside another root adds nothing.
    roots = sorted(set(roots))
    roots = [r for r in roots if not any(r != o and r.startswith(o) for o in roots)]
    user._scope_roots = roots
    return roots


def unit_in_scope(user, unit) -> bool:
    roots = visible_roots(user)
    return bool(roots) and unit is not None and any(unit.path.startswith(root) for root in roots)


def can_read_program_data(user) -> bool:
    return policy_for(user).reads_program_data


def can_write(user, unit) -> bool:
    """May `user` create, change or delete program data of `unit`?"""
    return policy_for(user).writes and unit_in_scope(user, unit)


def can_submit(user, unit) -> bool:
    """May `user` submit the figures of `unit` for approval?

    A district submits; a commune submits only where it reports straight to the province.
    """
    if not (policy_for(user).submits and unit_in_scope(user, unit)):
        return False
    if unit.level == "district":
        return True
    return unit.level == "commune" and unit.parent is not None and unit.parent.level == "province"


def can_approve(user, unit) -> bool:
    """May `user` approve or return a submission of `unit`? Province staff, for units below them."""
    return policy_for(user).approves and unit_in_scope(user, unit) and unit.pk != user.unit_id


def can_request_reports(user) -> bool:
    return policy_for(user).requests_reports


def can_manage_users(user) -> bool:
    return bool(policy_for(user).manages_roles)


def can_manage_user(actor, role: str, unit) -> bool:
    """May `actor` create or deactivate a user with `role` at `unit`?"""
    policy = policy_for(actor)
    if role not in policy.manages_roles or not unit_in_scope(actor, unit):
        return False
    return unit.level in ROLE_POLICIES[role].unit_levels


def manageable_units(user):
    """The units at which `user` may create users: their scope, read for user management even by a role that
    reads no program data (the administrator)."""
    from geography.models import AdministrativeUnit

    roots = visible_roots(user)
    if not can_manage_users(user) or not roots:
        return AdministrativeUnit.objects.none()
    return AdministrativeUnit.objects.filter(path_condition("", roots))


def can_see_personal_data(user, unit) -> bool:
    """May `user` see the personal data of a record of `unit` unmasked (Decree 13/2023/NĐ-CP)?

    Only the officers who enter and verify people do: commune and district officers, for records in their
    scope. Province staff, leaders and administrators work on figures and reviews; to them a citizen ID number
    is shown masked (`0061******34`, enough to tell records apart). The domain notes give no program reason
    for the province to read full numbers: duplicates are refused by the number itself, and the overlap
    review names households by name, village and record number.
    """
    return policy_for(user).sees_personal_data and unit_in_scope(user, unit)


def can_read_access_log(user) -> bool:
    """May `user` read the log of access to personal data (for the units in their scope)?"""
    return policy_for(user).reads_access_log


def can_manage_reference_data(user) -> bool:
    return policy_for(user).manages_reference_data or bool(getattr(user, "is_superuser", False))


def path_condition(lookup: str, roots: list[str]) -> Q:
    """Rows whose unit (through `lookup`) lies under one of `roots`; every row for the nationwide root."""
    if NATIONWIDE in roots:
        return Q()
    prefix = f"{lookup}__path__startswith" if lookup else "path__startswith"
    condition = Q()
    for root in roots:
        condition |= Q(**{prefix: root})
    return condition


class ScopedQuerySet(models.QuerySet):
    """Base queryset of every model that belongs to a unit.

    The model names the lookup to its unit once, as `scope_lookup` ("unit",
    "allocation__unit"…). `for_user` fails closed: anonymous, inactive, unit-less users
    and roles that read no program data get nothing.
    """

    def for_user(self, user):
        if not can_read_program_data(user):
            return self.none()
        roots = visible_roots(user)
        if not roots:
            return self.none()
        return self.filter(path_condition(self.model.scope_lookup, roots))

    def for_user_within(self, user, unit):
        """The rows under `unit` as `user` sees them. When the user sees all of `unit` (its path lies under a
        scope root), the unit's path condition implies the scope's, and it is the only one: two prefix conditions
        on the same column make PostgreSQL multiply their selectivities and expect a few rows where a province
        has 200.000 (a nested loop of 600 ms instead of a hash join). Otherwise for_user and the unit's condition.
        Fails closed as for_user does."""
        if not can_read_program_data(user):
            return self.none()
        lookup = self.model.scope_lookup
        prefix = f"{lookup}__path__startswith" if lookup else "path__startswith"
        if unit_in_scope(user, unit):
            return self.filter(**{prefix: unit.path}) if unit.path else self.all()
        return self.for_user(user).filter(**{prefix: unit.path})

    def unscoped_for_system(self):
        """All rows, for management commands and system jobs. Never call this with a user's request."""
        return self.all()
