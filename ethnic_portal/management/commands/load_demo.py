from django.core.management.base import BaseCommand, CommandError

from ethnic_portal.demo import DemoDataError, load_demo


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu tỉnh Bắc Kạn (idempotent). Cần chạy load_reference_data trước."

    def handle(self, *args, **options):
        self.stdout.write(
            "Đang nạp dữ liệu mẫu Bắc Kạn 2022–2026 qua các nghiệp vụ của hệ thống (lần đầu mất khoảng một phút)…"
        )
        self.stdout.flush()
        try:
            result = load_demo()
        except DemoDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã nạp dữ liệu mẫu Bắc Kạn: {result['villages_created']} thôn, {result['allocations']} phân bổ vốn, "
                f"{result['disbursements']} khoản giải ngân mới."
            )
        )
