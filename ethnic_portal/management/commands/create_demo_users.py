from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from accounts.services import portal_user_upsert
from ethnic_portal.demo import DEMO_PASSWORD, DEMO_USERS, district_officers, ensure_demo_users


class Command(BaseCommand):
    help = (
        "Tạo các tài khoản mẫu còn thiếu (một cho mỗi vai trò, và cán bộ của mỗi huyện Bắc Kạn) và in bảng tài khoản. "
        "--reset-passwords đặt lại mật khẩu mẫu."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-passwords", action="store_true", help="Đặt lại mật khẩu mẫu cho mọi tài khoản mẫu."
        )

    def handle(self, *args, reset_passwords=False, **options):
        try:
            if reset_passwords:
                for username, role, unit_code, full_name in DEMO_USERS + district_officers():
                    portal_user_upsert(
                        username=username, role=role, unit_code=unit_code, password=DEMO_PASSWORD, full_name=full_name
                    )
            users = ensure_demo_users()
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        rows = []
        for username, _role, _unit, _name in DEMO_USERS:
            user = users[username]
            token, _created = Token.objects.get_or_create(user=user)
            rows.append((username, user.get_role_display(), f"{user.unit.code} {user.unit.name}", token.key))
        width = max(len(row[0]) for row in rows)
        self.stdout.write(f"Tài khoản mẫu (mật khẩu chung: {DEMO_PASSWORD}):")
        for username, role, unit, token in rows:
            self.stdout.write(f"  {username:<{width}}  {role} – {unit}  (API token {token})")
        others = ", ".join(row[0] for row in district_officers() if row[0] not in {r[0] for r in rows})
        if others:
            self.stdout.write(f"  Cán bộ các huyện khác của Bắc Kạn (cùng mật khẩu): {others}")
