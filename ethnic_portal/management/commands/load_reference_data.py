from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from beneficiaries.loaders import load_ethnic_groups, load_support_policies
from beneficiaries.models import EthnicGroup, SupportNorm, TetHoliday
from ethnic_portal.reference_data import ReferenceDataError
from geography.loaders import load_units
from geography.models import AdministrativeUnit, UnitSuccession
from programs.loaders import load_programs
from programs.models import BudgetYear, Program, Project, SubProject


class Command(BaseCommand):
    help = (
        "Nạp dữ liệu danh mục (idempotent): đơn vị hành chính, 54 dân tộc, "
        "Chương trình 1719 với các dự án, tiểu dự án và năm ngân sách; chế độ, định mức hỗ trợ người có uy tín và hộ."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            help="Đọc các tệp danh mục từ thư mục này thay cho thư mục data/ của từng ứng dụng.",
        )

    def handle(self, *args, data_dir=None, **options):
        try:
            with transaction.atomic():
                load_units(data_dir)
                load_ethnic_groups(data_dir)
                load_programs(data_dir)
                load_support_policies(data_dir)
        except ReferenceDataError as exc:
            raise CommandError(f"Không nạp được dữ liệu danh mục, không có gì được ghi: {exc}") from exc
        counts = {
            "đơn vị hành chính": AdministrativeUnit.objects.count(),
            "sắp xếp đơn vị": UnitSuccession.objects.count(),
            "dân tộc": EthnicGroup.objects.count(),
            "chương trình (giai đoạn)": Program.objects.count(),
            "dự án": Project.objects.count(),
            "tiểu dự án": SubProject.objects.count(),
            "năm ngân sách": BudgetYear.objects.count(),
            "định mức hỗ trợ người có uy tín": SupportNorm.objects.count(),
            "ngày Tết": TetHoliday.objects.count(),
        }
        self.stdout.write(
            self.style.SUCCESS("Đã nạp dữ liệu danh mục: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
        )
