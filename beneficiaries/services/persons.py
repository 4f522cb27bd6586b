"""Writes about prestigious persons: the persons themselves, the support they receive, training courses, and
the Tết season a province sets. Forms, the API, Excel imports and the demo all come through here.

Each service checks the actor's scope (accounts.scope), validates with Vietnamese messages naming the
field, locks the person before counting what they already received, and records history with the actor.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from ethnic_portal import clock
from ethnic_portal.formatting import format_vnd
from geography.models import AdministrativeUnit, Level
from programs.models import Project, SubProject

from .. import cases
from ..choices import (
    ApprovalLevel,
    CommunityRole,
    CondolenceFor,
    FundedBy,
    Gender,
    HospitalLevel,
    PersonStatus,
    SupportKind,
)
from ..models import (
    EthnicGroup,
    PrestigiousPerson,
    SupportActivity,
    SupportNorm,
    SupportRegime,
    TetHoliday,
    TetSeason,
    TrainingCourse,
)
from ..text import clean_text, name_key
from .common import Errors, check_amount, check_date, check_place, d, province_pk, require_write

MIN_AGE = 18
MAX_TERM_YEARS = 5

# --- Persons ---------------------------------------------------------------------------------------

PERSON_FIELDS = [
    "full_name",
    "gender",
    "birth_year",
    "ethnic_group",
    "unit",
    "community_role",
    "term_start",
    "term_end",
    "status",
    "status_date",
    "approval_decision_no",
    "approval_decision_date",
    "approval_level",
    "note",
]
PERSON_DEFAULTS = {
    "status": PersonStatus.ACTIVE,
    "status_date": None,
    "approval_decision_no": "",
    "approval_decision_date": None,
    "approval_level": "",
    "note": "",
}


def _is_year(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _find_twin(key: str, birth_year: int, unit, exclude_pk=None) -> PrestigiousPerson | None:
    existing = PrestigiousPerson.objects.filter(name_key=key, birth_year=birth_year, unit=unit).select_related("unit")
    if exclude_pk:
        existing = existing.exclude(pk=exclude_pk)
    return existing.first()


def _validate_person(values: dict, *, exclude_pk=None, place_unchanged: bool = False, find_twin=_find_twin) -> dict:
    errors = Errors()
    today = clock.today()
    full_name = clean_text(values["full_name"])
    if not full_name:
        errors.add("full_name", _("Phải nhập họ và tên."))
    elif len(full_name) > 150:
        errors.add("full_name", _("Họ và tên dài quá 150 ký tự."))
    if values["gender"] not in Gender.values:
        errors.add("gender", _("Giới tính phải là nam (male) hoặc nữ (female)."))
    birth_year = values["birth_year"]
    if not _is_year(birth_year):
        errors.add("birth_year", _("Năm sinh phải là một năm, ví dụ 1965."))
    elif birth_year > today.year:
        errors.add("birth_year", _("Năm sinh %(year)s ở tương lai.") % {"year": birth_year})
    elif today.year - birth_year < MIN_AGE:
        errors.add(
            "birth_year",
            _("Người có uy tín phải từ đủ %(age)s tuổi: sinh năm %(last)s trở về trước (đang là %(year)s).")
            % {"age": MIN_AGE, "last": today.year - MIN_AGE, "year": birth_year},
        )
    elif birth_year < today.year - 120:
        errors.add("birth_year", _("Năm sinh %(year)s không hợp lý.") % {"year": birth_year})
    if not isinstance(values["ethnic_group"], EthnicGroup):
        errors.add("ethnic_group", _("Phải chọn dân tộc trong danh mục 54 dân tộc."))
    if not place_unchanged:  # an old record keeps its village even after a 2025 merger ended it
        check_place(errors, values["unit"])
    if values["community_role"] not in CommunityRole.values:
        errors.add(
            "community_role",
            _("Vai trò phải là một trong: già làng, trưởng thôn, trưởng dòng họ, chức sắc tôn giáo, nghệ nhân, khác."),
        )
    term_start, term_end = values["term_start"], values["term_end"]
    if not _is_year(term_start) or not 2000 <= term_start <= today.year + 1:
        errors.add("term_start", _("Nhiệm kỳ phải bắt đầu từ năm 2000 đến năm %(y)s.") % {"y": today.year + 1})
    elif not _is_year(term_end) or term_end < term_start:
        errors.add("term_end", _("Năm kết thúc nhiệm kỳ phải từ năm %(y)s trở đi.") % {"y": term_start})
    elif term_end - term_start > MAX_TERM_YEARS:
        errors.add(
            "term_end",
            _("Nhiệm kỳ của người có uy tín là %(n)s năm: từ %(start)s đến chậm nhất %(end)s.")
            % {"n": MAX_TERM_YEARS, "start": term_start, "end": term_start + MAX_TERM_YEARS},
        )
    status, status_date = values["status"], values["status_date"]
    if status not in PersonStatus.values:
        errors.add("status", _("Tình trạng phải là active, replaced hoặc deceased."))
    elif status == PersonStatus.ACTIVE:
        if status_date is not None:
            errors.add("status_date", _("Người đang là người có uy tín thì không ghi ngày thay thế / qua đời."))
    else:
        check_date(errors, status_date, "status_date", label=_("ngày thay thế / qua đời"))
    decision_no = clean_text(values["approval_decision_no"])
    decision_date = values["approval_decision_date"]
    level = values["approval_level"] or ""
    if level and level not in ApprovalLevel.values:
        errors.add("approval_level", _("Cấp phê duyệt phải là tỉnh, huyện hoặc xã."))
    if decision_no and decision_date is None:
        errors.add("approval_decision_date", _("Có số quyết định công nhận thì phải có ngày quyết định."))
    if decision_date is not None:
        check_date(errors, decision_date, "approval_decision_date", label=_("ngày quyết định công nhận"))
    errors.raise_if_any()
    key = name_key(full_name)
    twin = find_twin(key, birth_year, values["unit"], exclude_pk)
    if twin is not None:
        raise ValidationError({"full_name": _duplicate_message(twin)})
    return {
        **values,
        "full_name": full_name,
        "name_key": key,
        "approval_decision_no": decision_no,
        "approval_level": level,
        "note": clean_text(values["note"]),
    }


def _duplicate_message(twin: PrestigiousPerson) -> str:
    return _(
        "Đã có người có uy tín %(name)s, sinh năm %(year)s, ở %(unit)s (bản ghi số %(pk)s): không nhập lại; "
        "muốn thay đổi thì sửa bản ghi đó."
    ) % {"name": twin.full_name, "year": twin.birth_year, "unit": twin.unit.name, "pk": twin.pk}


def _save_person(person: PrestigiousPerson, actor) -> PrestigiousPerson:
    person._history_user = actor
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:  # a concurrent twin
        twin = (
            PrestigiousPerson.objects.filter(name_key=person.name_key, birth_year=person.birth_year, unit=person.unit)
            .exclude(pk=person.pk)
            .first()
        )
        if twin is None:
            raise
        raise ValidationError({"full_name": _duplicate_message(twin)}) from exc
    return person


@transaction.atomic
def person_create(
    *,
    actor,
    full_name: str,
    gender: str,
    birth_year: int,
    ethnic_group: EthnicGroup,
    unit: AdministrativeUnit,
    community_role: str,
    term_start: int,
    term_end: int,
    **optional,
) -> PrestigiousPerson:
    if isinstance(unit, AdministrativeUnit):
        require_write(actor, unit)
    unknown = set(optional) - set(PERSON_DEFAULTS)
    if unknown:
        raise TypeError(f"person_create: unknown fields {sorted(unknown)}")
    values = {
        **PERSON_DEFAULTS,
        **optional,
        "full_name": full_name,
        "gender": gender,
        "birth_year": birth_year,
        "ethnic_group": ethnic_group,
        "unit": unit,
        "community_role": community_role,
        "term_start": term_start,
        "term_end": term_end,
    }
    cleaned = _validate_person(values)
    person = _save_person(PrestigiousPerson(**cleaned, created_by=actor), actor)
    cases.persons_changed([(person, None)])
    return person


def _lock_person(person: PrestigiousPerson) -> PrestigiousPerson:
    return PrestigiousPerson.objects.select_for_update(of=("self",)).select_related("unit").get(pk=person.pk)


@transaction.atomic
def person_update(*, actor, person: PrestigiousPerson, **changes) -> PrestigiousPerson:
    person = _lock_person(person)
    require_write(actor, person.unit)
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"person_update: unknown fields {sorted(unknown)}")
    values = {name: changes.get(name, getattr(person, name)) for name in PERSON_FIELDS}
    unchanged = isinstance(values["unit"], AdministrativeUnit) and values["unit"].pk == person.unit_id
    if isinstance(values["unit"], AdministrativeUnit) and not unchanged:
        require_write(actor, values["unit"])
    cleaned = _validate_person(values, exclude_pk=person.pk, place_unchanged=unchanged)
    before = (person.unit, person.name_key, person.birth_year)
    for name, value in cleaned.items():
        setattr(person, name, value)
    _save_person(person, actor)
    cases.persons_changed([(person, before)])
    return person


@transaction.atomic
def person_delete(*, actor, person: PrestigiousPerson) -> None:
    person = _lock_person(person)
    require_write(actor, person.unit)
    count = SupportActivity.objects.filter(person=person).count()
    if count:
        raise ValidationError(
            _(
                "%(name)s đã có %(n)s lần được hỗ trợ nên không xóa được; nếu không còn là người có uy tín, "
                "hãy đổi tình trạng (thay thế, qua đời)."
            )
            % {"name": person.full_name, "n": count}
        )
    person._history_user = actor
    person.delete()
    cases.persons_changed([(person, None)])


# --- Regimes, norms and the Tết season --------------------------------------------------------------


class PolicyBook:
    """The regimes, their norms, the Tết dates and the provinces' Tết seasons, read once for a call (or a batch)
    instead of once per check. `previous` optionally holds what persons already received, for batches."""

    def __init__(self):
        self.regimes = list(SupportRegime.objects.order_by("valid_from"))
        self.norms = {(n.regime_id, n.kind, n.variant): n for n in SupportNorm.objects.all()}
        self.holidays = dict(TetHoliday.objects.values_list("year", "date"))
        self._seasons: dict[tuple[int, int], TetSeason | None] = {}
        self._provinces: dict[str, int] = {}
        self.previous: dict[tuple[int, str], list[tuple[int | None, datetime.date]]] | None = None

    def regime_on(self, day: datetime.date) -> SupportRegime | None:
        for regime in reversed(self.regimes):
            if regime.valid_from <= day and (regime.valid_to is None or day <= regime.valid_to):
                return regime
        return None

    def norm(self, regime: SupportRegime | None, kind: str, variant: str = "") -> SupportNorm | None:
        return self.norms.get((regime.pk, kind, variant)) if regime is not None else None

    def province_of(self, unit: AdministrativeUnit) -> int:
        if unit.path not in self._provinces:
            self._provinces[unit.path] = province_pk(unit)
        return self._provinces[unit.path]

    def season(self, province_id: int, year: int) -> TetSeason | None:
        key = (province_id, year)
        if key not in self._seasons:
            season = TetSeason.objects.filter(province_id=province_id, year=year).first()
            if season is None and year in self.holidays:
                start, end = TetSeason.default_window(self.holidays[year])
                season = TetSeason(province_id=province_id, year=year, start=start, end=end)
            self._seasons[key] = season
        return self._seasons[key]

    def tet_year_of(self, province_id: int, day: datetime.date) -> tuple[int | None, TetSeason | None]:
        for year in (day.year, day.year + 1):
            season = self.season(province_id, year)
            if season is not None and season.contains(day):
                return year, season
        return None, self.season(province_id, day.year)

    def preload(self, person_ids) -> None:
        """Read what the persons already received (the kinds with a yearly limit) in one query."""
        limited = {kind for (_regime, kind, _variant), norm in self.norms.items() if norm.max_per_year}
        self.previous = {}
        rows = SupportActivity.objects.filter(person_id__in=person_ids, kind__in=limited).values_list(
            "pk", "person_id", "kind", "date"
        )
        for pk, person_id, kind, day in rows:
            self.previous.setdefault((person_id, kind), []).append((pk, day))

    def previous_dates(self, person_id: int, kind: str, *, years, exclude_pk=None) -> list[datetime.date]:
        if self.previous is None:
            rows = SupportActivity.objects.filter(person_id=person_id, kind=kind, date__year__in=list(years))
            if exclude_pk:
                rows = rows.exclude(pk=exclude_pk)
            return list(rows.values_list("date", flat=True))
        return [
            day
            for pk, day in self.previous.get((person_id, kind), [])
            if day.year in years and (pk is None or pk != exclude_pk)
        ]

    def remember(self, person_id: int, kind: str, day: datetime.date) -> None:
        if self.previous is not None:
            self.previous.setdefault((person_id, kind), []).append((None, day))


def regime_on(day: datetime.date) -> SupportRegime | None:
    return PolicyBook().regime_on(day)


def norm_variant(kind: str, hospital_level: str = "", condolence_for: str = "") -> str:
    if kind == SupportKind.ILLNESS_VISIT:
        return hospital_level or ""
    if kind == SupportKind.CONDOLENCE:
        return condolence_for or ""
    return ""


def norm_for(day: datetime.date, kind: str, variant: str = "") -> SupportNorm | None:
    """The ceiling and yearly limit of a kind of support on a date (None: the regime sets no amount)."""
    book = PolicyBook()
    return book.norm(book.regime_on(day), kind, variant)


def tet_season(province: AdministrativeUnit | int, year: int) -> TetSeason | None:
    """The province's Tết season of `year`; the default (not saved) when it set none; None when the Tết date
    of that year is not in the reference data either."""
    return PolicyBook().season(getattr(province, "pk", province), year)


def tet_year_of(province_id: int, day: datetime.date) -> tuple[int | None, TetSeason | None]:
    """The Tết year a visit dated `day` belongs to (its season contains the day), with that year's season."""
    return PolicyBook().tet_year_of(province_id, day)


@transaction.atomic
def tet_season_save(
    *,
    actor,
    province: AdministrativeUnit,
    year: int,
    start: datetime.date,
    end: datetime.date,
    festival_name: str = "",
    festival_start: datetime.date | None = None,
    festival_end: datetime.date | None = None,
) -> TetSeason:
    """The province sets when Tết visits of a year may be dated (and an optional traditional-festival window)."""
    if province.level != Level.PROVINCE or not (actor.policy.approves and actor.unit_id == province.pk):
        raise PermissionDenied(_("Chỉ Ban Dân tộc tỉnh đặt mùa Tết của tỉnh."))
    errors = Errors()
    holiday = TetHoliday.objects.filter(year=year).first()
    if not isinstance(start, datetime.date) or not isinstance(end, datetime.date) or end < start:
        errors.add("end", _("Ngày kết thúc phải từ ngày bắt đầu trở đi."))
    elif holiday is not None and not start <= holiday.date <= end:
        errors.add(
            "start",
            _("Mùa Tết năm %(year)s phải chứa mùng 1 Tết (%(day)s).") % {"year": year, "day": d(holiday.date)},
        )
    elif (end - start).days > 120:
        errors.add("end", _("Mùa Tết dài quá 120 ngày."))
    festival_name = clean_text(festival_name)
    if festival_start or festival_end or festival_name:
        if not (festival_start and festival_end and festival_name):
            errors.add(
                "festival_name", _("Tết, lễ hội khác: ghi đủ tên, ngày bắt đầu và ngày kết thúc, hoặc để trống cả ba.")
            )
        elif festival_end < festival_start:
            errors.add("festival_end", _("Ngày kết thúc lễ hội phải từ ngày bắt đầu trở đi."))
        elif festival_start.year != year and festival_end.year != year:
            errors.add("festival_start", _("Lễ hội phải trong năm %(year)s.") % {"year": year})
    errors.raise_if_any()
    season = TetSeason.objects.select_for_update().filter(province=province, year=year).first() or TetSeason(
        province=province, year=year
    )
    season.start, season.end = start, end
    season.festival_name = festival_name
    season.festival_start, season.festival_end = festival_start, festival_end
    season._history_user = actor
    season.save()
    return season


# --- Support activities ----------------------------------------------------------------------------

SUPPORT_FIELDS = [
    "kind",
    "date",
    "amount",
    "funded_by",
    "note",
    "hospital_level",
    "condolence_for",
    "over_ceiling_reason",
    "training_course",
]


def _validate_support(person: PrestigiousPerson, values: dict, *, book: PolicyBook, exclude_pk=None) -> dict:
    """Check one support to `person` (locked by the caller). Returns the fields to save."""
    errors = Errors()
    kind, day = values["kind"], values["date"]
    if kind not in SupportKind.values:
        errors.add(
            "kind",
            _("Loại hỗ trợ “%(kind)s” không có; chọn một trong: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(SupportKind.values)},
        )
    if values["funded_by"] not in FundedBy.values:
        errors.add(
            "funded_by",
            _("Đơn vị chi phải là tỉnh (province), trung ương (central), huyện (district) hoặc khác (other)."),
        )
    hospital_level = values["hospital_level"] or ""
    condolence_for = values["condolence_for"] or ""
    if kind == SupportKind.ILLNESS_VISIT:
        if hospital_level not in HospitalLevel.values:
            errors.add(
                "hospital_level",
                _("Thăm hỏi khi ốm đau: phải chọn tuyến cơ sở khám chữa bệnh (trung ương, tỉnh, huyện, xã)."),
            )
    elif hospital_level:
        errors.add("hospital_level", _("Chỉ ghi tuyến khám chữa bệnh với thăm hỏi khi ốm đau."))
    if kind == SupportKind.CONDOLENCE:
        if condolence_for not in CondolenceFor.values:
            errors.add("condolence_for", _("Thăm viếng: phải chọn người có uy tín qua đời hay thân nhân qua đời."))
    elif condolence_for:
        errors.add("condolence_for", _("Chỉ ghi người qua đời với thăm viếng."))
    course = values["training_course"]
    if kind == SupportKind.TRAINING and not isinstance(course, TrainingCourse):
        errors.add("training_course", _("Tập huấn: phải chọn lớp tập huấn người này tham gia."))
    elif kind != SupportKind.TRAINING and course is not None:
        errors.add("training_course", _("Chỉ gắn lớp tập huấn với hỗ trợ loại tập huấn."))
    if check_date(errors, day, "date", label=_("ngày hỗ trợ")):
        if not person.in_term(day.year) and kind != SupportKind.CONDOLENCE:
            errors.add(
                "date",
                _("Năm %(year)s không thuộc nhiệm kỳ %(start)s–%(end)s của %(name)s.")
                % {"year": day.year, "start": person.term_start, "end": person.term_end, "name": person.full_name},
            )
        elif person.status != PersonStatus.ACTIVE and person.status_date and day > person.status_date:
            after_death = person.status == PersonStatus.DECEASED and condolence_for == CondolenceFor.PERSON
            if not after_death:
                errors.add(
                    "date",
                    _("%(name)s %(state)s từ %(day)s: không ghi hỗ trợ sau ngày đó.")
                    % {
                        "name": person.full_name,
                        "state": _("đã qua đời") if person.status == PersonStatus.DECEASED else _("đã được thay thế"),
                        "day": d(person.status_date),
                    },
                )
        if isinstance(course, TrainingCourse) and not course.start_date <= day <= course.end_date:
            errors.add(
                "date",
                _("Ngày tập huấn phải trong thời gian của lớp (%(start)s – %(end)s).")
                % {"start": d(course.start_date), "end": d(course.end_date)},
            )
    errors.raise_if_any()

    variant = norm_variant(kind, hospital_level, condolence_for)
    regime = book.regime_on(day)
    norm = book.norm(regime, kind, variant)
    amount = values["amount"]
    if amount is None:  # the policy's amount is the default
        amount = norm.ceiling if norm else 0
    check_amount(errors, amount, allow_zero=True)
    errors.raise_if_any()
    reason = clean_text(values["over_ceiling_reason"])
    if norm is not None and amount > norm.ceiling and not reason:
        errors.add(
            "amount",
            _(
                "Số tiền %(amount)s đồng vượt mức tối đa %(ceiling)s đồng/%(per)s của %(regime)s: "
                "phải ghi lý do vượt mức, hoặc giảm số tiền."
            )
            % {
                "amount": format_vnd(amount),
                "ceiling": format_vnd(norm.ceiling),
                "per": norm.per,
                "regime": regime.name,
            },
        )
    province_id = book.province_of(person.unit)
    frequency_year = day.year
    if kind == SupportKind.TET_VISIT:
        tet_year, season = book.tet_year_of(province_id, day)
        if tet_year is None:
            if season is None:
                errors.add(
                    "date",
                    _(
                        "Chưa có mùa Tết năm %(year)s: Ban Dân tộc tỉnh cần đặt mùa Tết của năm trước khi ghi thăm hỏi Tết."
                    )
                    % {"year": day.year},
                )
            else:
                windows = "; ".join(f"{d(start)} – {d(end)}" for start, end in season.windows())
                errors.add(
                    "date",
                    _(
                        "Ngày thăm hỏi, tặng quà Tết phải trong mùa Tết năm %(year)s do tỉnh đặt: %(windows)s (đang là %(day)s)."
                    )
                    % {"year": season.year, "windows": windows, "day": d(day)},
                )
        else:
            frequency_year = tet_year
    if norm is not None and norm.max_per_year and "date" not in errors:
        _check_frequency(errors, person, kind, norm, frequency_year, province_id, book=book, exclude_pk=exclude_pk)
    errors.raise_if_any()
    return {
        "kind": kind,
        "date": day,
        "amount": amount,
        "funded_by": values["funded_by"],
        "note": clean_text(values["note"]),
        "hospital_level": hospital_level,
        "condolence_for": condolence_for,
        "over_ceiling_reason": reason if (norm is not None and amount > norm.ceiling) else "",
        "training_course": course,
        "regime": regime,
        "ceiling": norm.ceiling if norm else None,
    }


def _check_frequency(errors, person, kind, norm, year, province_id, *, book: PolicyBook, exclude_pk=None) -> None:
    if kind == SupportKind.TET_VISIT:
        # A Tết visit counts in the year of the season it falls in (a season may start in December).
        dates = book.previous_dates(person.pk, kind, years={year - 1, year}, exclude_pk=exclude_pk)
        dates = [day for day in dates if book.tet_year_of(province_id, day)[0] == year]
    else:
        dates = book.previous_dates(person.pk, kind, years={year}, exclude_pk=exclude_pk)
    if len(dates) >= norm.max_per_year:
        errors.add(
            "kind",
            _(
                "%(name)s đã được hỗ trợ “%(what)s” %(n)s lần trong năm %(year)s (%(dates)s); mỗi năm tối đa %(max)s lần."
            )
            % {
                "name": person.full_name,
                "what": SupportKind(kind).label,
                "n": len(dates),
                "year": year,
                "dates": ", ".join(d(day) for day in sorted(dates)),
                "max": norm.max_per_year,
            },
        )


def _save_support(support: SupportActivity, actor) -> SupportActivity:
    support._history_user = actor
    try:
        with transaction.atomic():
            support.save()
    except IntegrityError as exc:  # the same person twice in one course, concurrently
        raise ValidationError(
            {"training_course": _("%(name)s đã có trong lớp này.") % {"name": support.person.full_name}}
        ) from exc
    return support


@transaction.atomic
def support_activity_create(
    *,
    actor,
    person: PrestigiousPerson,
    kind: str,
    date: datetime.date,
    funded_by: str,
    amount: int | None = None,
    note: str = "",
    hospital_level: str = "",
    condolence_for: str = "",
    over_ceiling_reason: str = "",
    training_course: TrainingCourse | None = None,
) -> SupportActivity:
    """Record one support to a person. `amount=None` means the policy's amount (the ceiling of the regime)."""
    person = _lock_person(person)
    require_write(actor, person.unit)
    if isinstance(training_course, TrainingCourse):
        _check_course_participant(training_course, person)
    values = {
        "kind": kind,
        "date": date,
        "amount": amount,
        "funded_by": funded_by,
        "note": note,
        "hospital_level": hospital_level,
        "condolence_for": condolence_for,
        "over_ceiling_reason": over_ceiling_reason,
        "training_course": training_course,
    }
    cleaned = _validate_support(person, values, book=PolicyBook())
    return _save_support(SupportActivity(person=person, created_by=actor, **cleaned), actor)


def _check_course_participant(course: TrainingCourse, person: PrestigiousPerson, *, exclude_pk=None) -> None:
    twins = SupportActivity.objects.filter(training_course=course, person=person)
    if exclude_pk:
        twins = twins.exclude(pk=exclude_pk)
    if twins.exists():
        raise ValidationError({"training_course": _("%(name)s đã có trong lớp này.") % {"name": person.full_name}})


@transaction.atomic
def support_activity_update(*, actor, support: SupportActivity, **changes) -> SupportActivity:
    person = _lock_person(support.person)
    require_write(actor, person.unit)
    support = SupportActivity.objects.select_for_update().get(pk=support.pk)
    unknown = set(changes) - set(SUPPORT_FIELDS)
    if unknown:
        raise TypeError(f"support_activity_update: unknown fields {sorted(unknown)}")
    values = {name: changes.get(name, getattr(support, name)) for name in SUPPORT_FIELDS}
    if "amount" not in changes and ("kind" in changes or "hospital_level" in changes or "condolence_for" in changes):
        values["amount"] = support.amount
    if isinstance(values["training_course"], TrainingCourse):
        _check_course_participant(values["training_course"], person, exclude_pk=support.pk)
    cleaned = _validate_support(person, values, book=PolicyBook(), exclude_pk=support.pk)
    for name, value in cleaned.items():
        setattr(support, name, value)
    return _save_support(support, actor)


@transaction.atomic
def support_activity_delete(*, actor, support: SupportActivity) -> None:
    person = _lock_person(support.person)
    require_write(actor, person.unit)
    support = SupportActivity.objects.select_for_update().get(pk=support.pk)  # history records the row as stored
    support._history_user = actor
    support.delete()


# --- Training courses ------------------------------------------------------------------------------

COURSE_FIELDS = ["title", "unit", "start_date", "end_date", "location", "funded_by", "project", "subproject", "note"]


def _validate_course(values: dict) -> dict:
    errors = Errors()
    title = clean_text(values["title"])
    if not title:
        errors.add("title", _("Phải nhập tên lớp tập huấn."))
    unit = values["unit"]
    if not isinstance(unit, AdministrativeUnit):
        errors.add("unit", _("Phải chọn đơn vị tổ chức."))
    elif unit.level == Level.VILLAGE:
        errors.add("unit", _("Lớp tập huấn do tỉnh, huyện hoặc xã tổ chức, không chọn thôn."))
    if check_date(errors, values["start_date"], "start_date", label=_("ngày bắt đầu")):
        end = values["end_date"]
        if not isinstance(end, datetime.date) or end < values["start_date"]:
            errors.add("end_date", _("Ngày kết thúc phải từ ngày bắt đầu trở đi."))
        elif (end - values["start_date"]).days > 60:
            errors.add("end_date", _("Một lớp tập huấn không kéo dài quá 60 ngày."))
    if values["funded_by"] not in FundedBy.values:
        errors.add("funded_by", _("Phải chọn nguồn kinh phí."))
    project, subproject = values["project"], values["subproject"]
    if subproject is not None and (not isinstance(project, Project) or subproject.project_id != project.pk):
        errors.add("subproject", _("Tiểu dự án không thuộc dự án đã chọn."))
    errors.raise_if_any()
    return {**values, "title": title, "location": clean_text(values["location"]), "note": clean_text(values["note"])}


@transaction.atomic
def training_course_create(
    *,
    actor,
    title: str,
    unit: AdministrativeUnit,
    start_date: datetime.date,
    end_date: datetime.date,
    funded_by: str,
    location: str = "",
    project: Project | None = None,
    subproject: SubProject | None = None,
    note: str = "",
) -> TrainingCourse:
    if isinstance(unit, AdministrativeUnit):
        require_write(actor, unit)
    cleaned = _validate_course(
        {
            "title": title,
            "unit": unit,
            "start_date": start_date,
            "end_date": end_date,
            "location": location,
            "funded_by": funded_by,
            "project": project,
            "subproject": subproject,
            "note": note,
        }
    )
    course = TrainingCourse(**cleaned, created_by=actor)
    course._history_user = actor
    course.save()
    return course


@transaction.atomic
def training_course_update(*, actor, course: TrainingCourse, **changes) -> TrainingCourse:
    course = TrainingCourse.objects.select_for_update().select_related("unit").get(pk=course.pk)
    require_write(actor, course.unit)
    values = {name: changes.get(name, getattr(course, name)) for name in COURSE_FIELDS}
    if isinstance(values["unit"], AdministrativeUnit):
        require_write(actor, values["unit"])
    cleaned = _validate_course(values)
    outside = course.attendances.exclude(date__range=(cleaned["start_date"], cleaned["end_date"]))
    if outside.exists():
        raise ValidationError(
            {"start_date": _("Có học viên được ghi ngày ngoài thời gian mới của lớp; sửa ngày của họ trước.")}
        )
    for name, value in cleaned.items():
        setattr(course, name, value)
    course._history_user = actor
    course.save()
    return course


@transaction.atomic
def training_course_add_participants(
    *, actor, course: TrainingCourse, persons: list[PrestigiousPerson], amount: int | None = None, note: str = ""
) -> list[SupportActivity]:
    """Enrol persons in a course: one `training` support each, dated the course's first day."""
    course = TrainingCourse.objects.select_for_update().select_related("unit").get(pk=course.pk)
    require_write(actor, course.unit)
    rows = [
        {
            "person": person,
            "kind": SupportKind.TRAINING,
            "date": course.start_date,
            "funded_by": course.funded_by,
            "amount": amount,
            "note": note,
            "training_course": course,
        }
        for person in persons
    ]
    return support_activities_record(actor=actor, rows=rows, field="persons")


SUPPORT_DEFAULTS = {
    "amount": None,
    "note": "",
    "hospital_level": "",
    "condolence_for": "",
    "over_ceiling_reason": "",
    "training_course": None,
}


@transaction.atomic
def support_activities_record(*, actor, rows: list[dict], field: str = "rows") -> list[SupportActivity]:
    """Record many supports at once (a Tết round, a course's participants): the same checks as
    `support_activity_create`, with the policy tables and what the persons already received read once, and
    the rows written in bulk with their history. All or nothing: any refusal is raised, naming the person,
    under `field`."""
    if not rows:
        return []
    person_ids = sorted({row["person"].pk for row in rows})
    persons = {
        p.pk: p
        for p in PrestigiousPerson.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(pk__in=person_ids)
        .order_by("pk")
    }
    checked_units = set()
    for person in persons.values():
        if person.unit_id not in checked_units:
            require_write(actor, person.unit)
            checked_units.add(person.unit_id)
    book = PolicyBook()
    book.preload(person_ids)
    courses = {row["training_course"].pk for row in rows if isinstance(row.get("training_course"), TrainingCourse)}
    enrolled = set(
        SupportActivity.objects.filter(training_course_id__in=courses, person_id__in=person_ids).values_list(
            "training_course_id", "person_id"
        )
    )
    errors = Errors()
    supports = []
    for row in rows:
        person = persons[row["person"].pk]
        values = {**SUPPORT_DEFAULTS, **{k: v for k, v in row.items() if k != "person"}}
        course = values["training_course"]
        if isinstance(course, TrainingCourse):
            if (course.pk, person.pk) in enrolled:
                errors.add(field, _("%(name)s đã có trong lớp này.") % {"name": person.full_name})
                continue
            enrolled.add((course.pk, person.pk))
        try:
            cleaned = _validate_support(person, values, book=book)
        except ValidationError as error:
            for messages in error.message_dict.values():
                for message in messages:
                    errors.add(field, f"{person.full_name} ({person.birth_year}): {message}")
            continue
        book.remember(person.pk, cleaned["kind"], cleaned["date"])
        supports.append(SupportActivity(person=person, created_by=actor, **cleaned))
    errors.raise_if_any()
    return bulk_create_with_history(supports, SupportActivity, batch_size=500, default_user=actor)


@transaction.atomic
def persons_record(*, actor, rows: list[dict], field: str = "rows") -> list[PrestigiousPerson]:
    """Record many persons at once (a newly approved list): the same checks as `person_create`, the existing
    persons of those places read once, the rows written in bulk with their history. All or nothing."""
    if not rows:
        return []
    units = {row["unit"].pk: row["unit"] for row in rows if isinstance(row.get("unit"), AdministrativeUnit)}
    for unit in units.values():
        require_write(actor, unit)
    known = {
        (key, year, unit_id): pk
        for pk, key, year, unit_id in PrestigiousPerson.objects.filter(unit_id__in=list(units)).values_list(
            "pk", "name_key", "birth_year", "unit_id"
        )
    }
    batch: dict[tuple, PrestigiousPerson] = {}

    def find_twin(key, birth_year, unit, exclude_pk=None):
        hit = batch.get((key, birth_year, unit.pk))
        if hit is not None:
            return hit
        pk = known.get((key, birth_year, unit.pk))
        return PrestigiousPerson.objects.select_related("unit").get(pk=pk) if pk else None

    errors = Errors()
    persons = []
    for row in rows:
        values = {**PERSON_DEFAULTS, **row}
        try:
            cleaned = _validate_person(values, find_twin=find_twin)
        except ValidationError as error:
            for messages in error.message_dict.values():
                for message in messages:
                    errors.add(field, f"{clean_text(values.get('full_name'))}: {message}")
            continue
        person = PrestigiousPerson(**cleaned, created_by=actor)
        batch[(cleaned["name_key"], cleaned["birth_year"], cleaned["unit"].pk)] = person
        persons.append(person)
    errors.raise_if_any()
    created = bulk_create_with_history(persons, PrestigiousPerson, batch_size=500, default_user=actor)
    cases.persons_changed([(person, None) for person in created])
    return created
