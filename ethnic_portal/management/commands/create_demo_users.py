from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import portal_user_upsert
from ethnic_portal.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Tạo (hoặc đặt lại) một tài khoản mẫu cho mỗi vai trò và in bảng tài khoản."

    def handle(self, *args, **options):
        rows = []
        for username, role, unit_code, full_name in DEMO_USERS:
            try:
                user, token = portal_user_upsert(
                    username=username, role=role, unit_code=unit_code, password=DEMO_PASSWORD, full_name=full_name
                )
            except ValidationError as exc:
                raise CommandError(f"{username}: {' '.join(exc.messages)}") from exc
            rows.append((username, user.get_role_display(), f"{user.unit.code} {user.unit.name}", token.key))
        width = max(len(row[0]) for row in rows)
        self.stdout.write(f"Tài khoản mẫu (mật khẩu chung: {DEMO_PASSWORD}):")
        for username, role, unit, token in rows:
            self.stdout.write(f"  {username:<{width}}  {role} – {unit}  (API token {token})")
