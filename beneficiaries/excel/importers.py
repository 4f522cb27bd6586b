"""Importers of prestigious persons, their support, households and theirs, on the generic engine.

Each row goes through the same service as the forms. A row already in the system is skipped (the same
person — name, birth year, place —; the same support; the same ID number), so a file imported twice
creates nothing the second time.
"""

import contextlib
import re

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext as _

from ethnic_portal.excel_import import Importer
from ethnic_portal.formatting import format_vnd
from ethnic_portal.forms import scoped_units
from geography.models import Level
from programs.models import SubProject
from programs.selectors import project_by_code

from .. import cases, services, totals
from ..models import EthnicGroup, Household, HouseholdSupport, ImportKind, PrestigiousPerson, SupportActivity
from ..personal_data import mask_id_number
from ..text import clean_text, name_key
from .columns import HOUSEHOLD_COLUMNS, HOUSEHOLD_SUPPORT_COLUMNS, PERSON_COLUMNS, PERSON_SUPPORT_COLUMNS


class _Lookups:
    """Codes in a row → rows of the database, through the actor's scope; cached for the whole file."""

    def __init__(self, actor):
        self.actor = actor
        self.places: dict[str, object] | None = None
        self.groups: dict[str, EthnicGroup] | None = None
        self.projects: dict = {}

    def place(self, code: str, field: str = "unit"):
        if self.places is None:  # every village and commune in the scope, in one query; the newest version wins
            self.places = {}
            for unit in (
                scoped_units(self.actor)
                .filter(level__in=[Level.VILLAGE, Level.COMMUNE])
                .order_by(F("valid_from").desc(nulls_last=True), "path")
            ):
                self.places.setdefault(unit.code, unit)
        code = clean_text(code)
        unit = self.places.get(code)
        if unit is None:
            hint = (
                _(" (ô kiểu số làm mất số 0 ở đầu: định dạng cột là Text)") if code.isdigit() and len(code) < 5 else ""
            )
            raise ValidationError(
                {
                    field: _("Không có thôn hoặc xã mã “%(code)s” trong địa bàn của bạn%(hint)s.")
                    % {"code": code, "hint": hint}
                }
            )
        return unit

    def ethnic_group(self, value: str, field: str = "ethnic_group") -> EthnicGroup:
        if self.groups is None:
            self.groups = {}
            for group in EthnicGroup.objects.all():
                # "Mông (H'Mông)" → "Mông", "H'Mông" too; other_names are not used (some belong to two groups).
                spellings = re.split(r"[(),]", group.common_spelling or "")
                for word in [group.code, str(int(group.code)), group.name, group.common_spelling, *spellings]:
                    if word and word.strip():
                        self.groups.setdefault(name_key(word), group)
        group = self.groups.get(name_key(value))
        if group is None:
            raise ValidationError(
                {field: _("Không có dân tộc “%(value)s” trong danh mục 54 dân tộc.") % {"value": value}}
            )
        return group

    def project(self, code: str | None, year: int):
        if not code:
            return None
        key = ("project", clean_text(code), year)
        if key not in self.projects:
            self.projects[key] = project_by_code(clean_text(code), year=year)
        if self.projects[key] is None:
            raise ValidationError({"project": _("Không có dự án mã “%(code)s”.") % {"code": code}})
        return self.projects[key]

    def subproject(self, project, code: str | None):
        if not code:
            return None
        if project is None:
            raise ValidationError({"subproject": _("Ghi mã dự án trước khi ghi tiểu dự án.")})
        key = ("sub", project.pk, clean_text(code))
        if key not in self.projects:
            self.projects[key] = SubProject.objects.filter(project=project, code=clean_text(code)).first()
        if self.projects[key] is None:
            raise ValidationError(
                {
                    "subproject": _("Không có tiểu dự án “%(code)s” thuộc %(project)s.")
                    % {"code": code, "project": project.code}
                }
            )
        return self.projects[key]


class _BeneficiaryImporter(Importer):
    row_savepoint = False  # each row is one call to an atomic service: its savepoint is the row's

    def __init__(self, actor):
        super().__init__(actor)
        self.lookups = _Lookups(actor)

    @contextlib.contextmanager
    def writing(self):
        # The overlap and duplicate cases and the list totals of the file's rows are refreshed once, at the end of
        # the file.
        with cases.deferred(), totals.deferred():
            yield


class PersonImporter(_BeneficiaryImporter):
    kind = ImportKind.PERSONS
    columns = PERSON_COLUMNS

    def key(self, values):
        return (name_key(values["full_name"]), values["birth_year"], clean_text(values["unit"]))

    def resolve(self, values):
        errors = {}
        resolved = dict(values)
        for name, lookup in (("unit", self.lookups.place), ("ethnic_group", self.lookups.ethnic_group)):
            try:
                resolved[name] = lookup(values[name])
            except ValidationError as error:
                errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        return resolved

    def apply(self, values, row):
        existing = (
            PrestigiousPerson.objects.filter(
                name_key=name_key(values["full_name"]), birth_year=values["birth_year"], unit=values["unit"]
            )
            .only("pk")
            .first()
        )
        summary = f"{clean_text(values['full_name'])} ({values['birth_year']}) · {values['unit'].name}"
        if existing is not None:
            return "skipped", summary
        services.person_create(actor=self.actor, **values)
        return "created", summary


class PersonSupportImporter(_BeneficiaryImporter):
    kind = ImportKind.PERSON_SUPPORTS
    columns = PERSON_SUPPORT_COLUMNS
    field_columns = {"person": "full_name", "training_course": "kind"}

    def key(self, values):
        return (
            name_key(values["full_name"]),
            values["birth_year"],
            clean_text(values["unit"]),
            values["kind"],
            values["date"],
            values["funded_by"],
        )

    def resolve(self, values):
        unit = self.lookups.place(values["unit"])
        person = (
            PrestigiousPerson.objects.for_user(self.actor)
            .filter(name_key=name_key(values["full_name"]), birth_year=values["birth_year"], unit=unit)
            .select_related("unit")
            .first()
        )
        if person is None:
            raise ValidationError(
                {
                    "full_name": _(
                        "Không có người có uy tín %(name)s, sinh năm %(year)s, ở %(unit)s: nhập người đó trước."
                    )
                    % {"name": clean_text(values["full_name"]), "year": values["birth_year"], "unit": unit.name}
                }
            )
        fields = {k: v for k, v in values.items() if k not in {"full_name", "birth_year", "unit"}}
        return {"person": person, **fields}

    def apply(self, values, row):
        person = values["person"]
        summary = f"{person.full_name} · {values['date']:%d/%m/%Y} · {values['kind']}"
        existing = SupportActivity.objects.filter(
            person=person, kind=values["kind"], date=values["date"], funded_by=values["funded_by"]
        ).first()
        if existing is not None:
            if values["amount"] is None or existing.amount == values["amount"]:
                return "skipped", summary
            raise ValidationError(
                {
                    "amount": _(
                        "Đã có khoản hỗ trợ này ngày %(day)s với số tiền %(amount)s đồng; muốn sửa hãy sửa trên trang của người đó."
                    )
                    % {"day": values["date"].strftime("%d/%m/%Y"), "amount": format_vnd(existing.amount)}
                }
            )
        services.support_activity_create(actor=self.actor, **values)
        return "created", summary


class HouseholdImporter(_BeneficiaryImporter):
    kind = ImportKind.HOUSEHOLDS
    columns = HOUSEHOLD_COLUMNS

    def key(self, values):
        return values["head_id_number"]

    def prepare(self, rows):
        numbers = sorted({values["head_id_number"] for values in rows})
        self.existing = {}
        for start in range(0, len(numbers), 500):
            self.existing.update(
                Household.objects.filter(head_id_number__in=numbers[start : start + 500]).values_list(
                    "head_id_number", "name_key"
                )
            )

    def resolve(self, values):
        errors = {}
        resolved = dict(values)
        for name, lookup in (("unit", self.lookups.place), ("ethnic_group", self.lookups.ethnic_group)):
            try:
                resolved[name] = lookup(values[name])
            except ValidationError as error:
                errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        return resolved

    def apply(self, values, row):
        # The summary is stored on the batch: the number masked (the batch record carries no ID number).
        summary = (
            f"{clean_text(values['head_name'])} · {mask_id_number(values['head_id_number'])} · {values['unit'].name}"
        )
        known = getattr(self, "existing", None)
        if known is None:
            known = dict(
                Household.objects.filter(head_id_number=values["head_id_number"]).values_list(
                    "head_id_number", "name_key"
                )
            )
        if known.get(values["head_id_number"]) == name_key(values["head_name"]):
            return "skipped", summary
        services.household_create(actor=self.actor, **values)  # another name: the service names the existing record
        return "created", summary


class HouseholdSupportImporter(_BeneficiaryImporter):
    kind = ImportKind.HOUSEHOLD_SUPPORTS
    columns = HOUSEHOLD_SUPPORT_COLUMNS
    field_columns = {"household": "head_id_number"}

    def key(self, values):
        return tuple(values[c.key] for c in self.columns if c.key != "note")

    def resolve(self, values):
        household = Household.objects.for_user(self.actor).filter(head_id_number=values["head_id_number"]).first()
        errors = {}
        if household is None:
            errors["head_id_number"] = [
                _("Không có hộ nào có số định danh %(id)s trong địa bàn của bạn: nhập hộ trước.")
                % {"id": mask_id_number(values["head_id_number"])}
            ]
        project = subproject = None
        try:
            project = self.lookups.project(values["project"], values["year"])
            subproject = self.lookups.subproject(project, values["subproject"])
        except ValidationError as error:
            errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)
        fields = {k: v for k, v in values.items() if k != "head_id_number"}
        fields.update(household=household, project=project, subproject=subproject, scheme=fields["scheme"] or "")
        return fields

    def apply(self, values, row):
        household = values["household"]
        summary = f"{household.head_name} · {values['kind']} {values['year']} · {format_vnd(values['amount'])} đồng"
        existing = HouseholdSupport.objects.filter(
            household=household,
            kind=values["kind"],
            year=values["year"],
            date=values["date"],
            amount=values["amount"],
            funding_program=values["funding_program"],
            project=values["project"],
            subproject=values["subproject"],
        ).exists()
        if existing:
            return "skipped", summary
        services.household_support_create(actor=self.actor, **values)
        return "created", summary


IMPORTERS = {
    ImportKind.PERSONS: PersonImporter,
    ImportKind.PERSON_SUPPORTS: PersonSupportImporter,
    ImportKind.HOUSEHOLDS: HouseholdImporter,
    ImportKind.HOUSEHOLD_SUPPORTS: HouseholdSupportImporter,
}


def for_kind(kind: str, *, actor) -> Importer:
    return IMPORTERS[kind](actor)
