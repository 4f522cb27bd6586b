from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.scope import Role
from accounts.services import portal_user_upsert


class Command(BaseCommand):
    help = (
        "Tạo hoặc cập nhật một người dùng với một vai trò gắn với một đơn vị hành chính (vai trò national xem số liệu "
        "cả nước, không gắn với đơn vị). Dòng cuối in mã API (token)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help="Một trong: " + ", ".join(Role.values))
        parser.add_argument(
            "--unit",
            default="",
            help="Mã đơn vị hành chính, ví dụ 06, 061, 01840; bỏ trống (hoặc VN) với vai trò national",
        )
        parser.add_argument("--password", required=True)
        parser.add_argument("--full-name", default="")

    def handle(self, *args, username, role, unit, password, full_name, **options):
        try:
            user, token = portal_user_upsert(
                username=username, role=role, unit_code=unit, password=password, full_name=full_name
            )
        except ValidationError as exc:
            messages = [f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items()]
            raise CommandError("Không tạo được người dùng, không có gì được ghi. " + " ".join(messages)) from exc
        where = f"{user.unit.name} ({user.unit.code})" if user.unit else "Toàn quốc"
        self.stdout.write(f"Người dùng {user.username}: {user.get_role_display()} – {where}")
        self.stdout.write(token.key)
