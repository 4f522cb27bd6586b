from django.core.management import call_command
from django.core.management.base import BaseCommand

from geography.models import AdministrativeUnit


class Command(BaseCommand):
    help = "Nạp dữ liệu danh mục và dữ liệu mẫu nếu cơ sở dữ liệu còn trống (dùng cho make run)."

    def handle(self, *args, **options):
        if AdministrativeUnit.objects.unscoped_for_system().exists():
            self.stdout.write("Cơ sở dữ liệu đã có dữ liệu: bỏ qua bước nạp.")
            return
        call_command("load_reference_data", stdout=self.stdout)
        call_command("load_demo", stdout=self.stdout)
