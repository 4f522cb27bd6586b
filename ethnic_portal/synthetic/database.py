"""The database side of the synthetic load: what counts as program data, the guard against loading over real
data, emptying before a load, sequences, statistics and the checks after it.

Program data is every row of the ledger, the beneficiaries, the reports and the exports (and their history
tables), plus any table that points at them. A row is synthetic when the user who wrote it (created_by, actor,
requested_by, uploaded_by, reviewed_by…) is a synthetic user: the load writes every row under one, and a
benchmark writing as one of them adds synthetic rows too. Reference data (units of the reference files,
programs, ethnic groups, policy norms), real users and the personal-data access log are never touched.
"""

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models

from accounts.models import User
from geography.models import AdministrativeUnit, UnitSuccession

from .common import SYNTHETIC_SOURCE, USER_PREFIX

PROGRAM_MODELS = [
    "disbursement.Allocation",
    "disbursement.AllocationAdjustment",
    "disbursement.Disbursement",
    "disbursement.PlanLine",
    "disbursement.YearSetting",
    "disbursement.Period",
    "disbursement.PeriodEvent",
    "disbursement.ImportBatch",
    "disbursement.LedgerSummary",
    "disbursement.LedgerMonthSummary",
    "beneficiaries.PrestigiousPerson",
    "beneficiaries.TrainingCourse",
    "beneficiaries.SupportActivity",
    "beneficiaries.TetSeason",
    "beneficiaries.Household",
    "beneficiaries.HouseholdSupport",
    "beneficiaries.CaseReview",
    "beneficiaries.FoundCase",
    "beneficiaries.HouseholdTotal",
    "beneficiaries.HouseholdSupportTotal",
    "beneficiaries.HouseholdYearTotal",
    "beneficiaries.ProgramActivity",
    "beneficiaries.ActivityEthnicCount",
    "beneficiaries.ImportBatch",
    "reports.ReportJob",
    "reports.ReportDownload",
    "reports.ReportSetting",
    "reports.OverdueSubmission",
    "ethnic_portal.ExportJob",
]
ACCESS_LOG = "beneficiaries.PersonalDataAccess"  # append-only: never emptied here


class SyntheticError(Exception):
    """A refusal, in Vietnamese, that the command prints as it is."""


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None  # a model another change has not added (yet), or removed


def program_models() -> list:
    """The program models and every model with a foreign key to one of them (so that emptying them never trips
    a constraint), each followed by its history model."""
    found = [m for m in (_model(label) for label in PROGRAM_MODELS) if m is not None]
    changed = True
    while changed:
        changed = False
        for model in apps.get_models():
            if model in found or _is_history(model):
                continue
            for field in model._meta.concrete_fields:
                if field.is_relation and field.related_model in found and field.db_constraint:
                    if model._meta.label == ACCESS_LOG:
                        raise SyntheticError("Nhật ký truy cập dữ liệu cá nhân trỏ tới dữ liệu chương trình.")
                    found.append(model)
                    changed = True
                    break
    histories = [_history_of(model) for model in found]
    return found + [h for h in histories if h is not None]


def _is_history(model) -> bool:
    return model.__name__.startswith("Historical") and hasattr(model, "instance_type")


def _history_of(model):
    manager = getattr(model, "history", None)
    return getattr(manager, "model", None) if manager is not None else None


def _writer_field(model):
    """The field naming who wrote a row, or None."""
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is User and field.name != "history_user":
            return field
    return None


def foreign_rows() -> list[tuple[str, int]]:
    """Tables holding program rows not written by a synthetic user: (verbose name, count)."""
    found = []
    for model in program_models():
        if _is_history(model):
            continue
        field = _writer_field(model)
        if field is None:
            continue
        rows = model._default_manager.exclude(**{f"{field.name}__username__startswith": USER_PREFIX})
        if rows.exists():
            found.append((str(model._meta.verbose_name_plural), rows.count()))
    return found


def _references(column_model, condition_sql: str, skip: set) -> list[str]:
    """Tables outside `skip` with rows pointing at the rows of `column_model` that match `condition_sql`."""
    q = connection.ops.quote_name
    target = q(column_model._meta.db_table)
    found = []
    for rel in column_model._meta.related_objects:
        related = rel.related_model
        if related in skip or not getattr(rel.field, "db_constraint", True) or _is_history(related):
            continue
        column = q(rel.field.column)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {q(related._meta.db_table)} WHERE {column} IN "
                f"(SELECT id FROM {target} WHERE {condition_sql}) LIMIT 1"
            )
            if cursor.fetchone():
                found.append(str(related._meta.verbose_name_plural))
    return found


def empty() -> None:
    """Remove every program row, then the synthetic users and units of an earlier load."""
    wiped = program_models()
    q = connection.ops.quote_name
    tables = [q(m._meta.db_table) for m in wiped]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred checks of rows written earlier in this transaction run first: TRUNCATE refuses a table
            # with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for table in reversed(tables):
                cursor.execute(f"DELETE FROM {table}")

    # Synthetic users and units: refuse where something kept (the access log above all) points at them.
    user_condition = f"{q('username')} LIKE '{USER_PREFIX}%'"
    unit_condition = f"{q('source')} = '{SYNTHETIC_SOURCE}'"
    skip_users = set(wiped) | {User}
    blockers = _references(User, user_condition, skip_users | _cascading_user_models())
    skip_units = set(wiped) | {AdministrativeUnit, UnitSuccession, User}
    blockers += _references(AdministrativeUnit, unit_condition, skip_units)
    user_units = User.objects.filter(unit__source=SYNTHETIC_SOURCE).exclude(username__startswith=USER_PREFIX)
    if user_units.exists():
        blockers.append(str(User._meta.verbose_name_plural))
    if blockers:
        raise SyntheticError(
            "Không xóa được dữ liệu tổng hợp của lần nạp trước vì còn bản ghi trỏ tới người dùng hoặc đơn vị tổng hợp "
            f"trong: {', '.join(sorted(set(blockers)))} (nhật ký truy cập dữ liệu cá nhân không bao giờ bị xóa). "
            "Hãy nạp vào một cơ sở dữ liệu mới (createdb) rồi chạy lại."
        )
    synthetic_users = User.objects.filter(username__startswith=USER_PREFIX)
    if synthetic_users.exists():
        synthetic_users.delete()
        history = _history_of(User)
        if history is not None:  # the deletion wrote history rows of accounts that never existed for real
            history.objects.filter(username__startswith=USER_PREFIX).delete()
    units = AdministrativeUnit.objects.filter(source=SYNTHETIC_SOURCE)
    UnitSuccession.objects.filter(
        models.Q(predecessor__in=units.values("pk")) | models.Q(successor__in=units.values("pk"))
    ).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {q(AdministrativeUnit._meta.db_table)} WHERE {unit_condition}")


def _cascading_user_models() -> set:
    """Models whose rows go with their user (tokens, sessions of the admin log…): the ORM deletes them."""
    return {
        rel.related_model
        for rel in User._meta.related_objects
        if rel.on_delete in (models.CASCADE, models.SET_NULL, models.DO_NOTHING) and rel.related_model is not User
    }


def reset_sequences(filled: list) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), filled)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def analyze(filled: list) -> None:
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return
    q = connection.ops.quote_name
    # Outside a transaction, VACUUM too: rows loaded by COPY are then settled as in a database that has lived a
    # while (hint bits set, visibility map written), instead of being settled by the first reads and by autovacuum
    # in the middle of a benchmark.
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for model in filled:
            cursor.execute(f"{command} {q(model._meta.db_table)}")
