import sys
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ethnic_portal.backup import BackupError, media_root, restore_backup, verify_archive
from ethnic_portal.formatting import format_number


class Command(BaseCommand):
    help = (
        "Khôi phục cổng từ một tệp do `manage.py backup` tạo (make restore FILE=… [YES=1]). Trước khi thay đổi bất "
        "cứ gì, lệnh đọc toàn bộ tệp và từ chối (thoát với mã khác 0, không có gì thay đổi) khi tệp hỏng, khi mã "
        "kiểm tra SHA-256 của một tệp không khớp manifest.json, hoặc khi bản sao lưu là của loại cơ sở dữ liệu "
        "khác (PostgreSQL/SQLite) với DATABASE_URL hiện tại. Sau đó lệnh hỏi xác nhận (gõ “yes”); khi không có "
        "người gõ (không có terminal) phải thêm --yes, nếu không lệnh từ chối. PostgreSQL: pg_restore --clean "
        "--if-exists --no-owner trong một giao dịch (biến môi trường PG_RESTORE chỉ định pg_restore khác); SQLite: "
        "ghi đè tệp cơ sở dữ liệu đang cấu hình trong một giao dịch qua backup API. Dữ liệu khôi phục được so với "
        "số dòng và dấu vân tay từng bảng trong manifest; chỉ khi khớp, các tệp trong MEDIA_ROOT mới được thay (tệp "
        "cũ được để riêng cho tới khi xong). Nên dừng web, worker và beat trong lúc khôi phục."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Tệp sao lưu .tar.gz.")
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Không hỏi xác nhận (bắt buộc khi chạy không có terminal, ví dụ trong script hay cron).",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Chỉ kiểm tra tệp sao lưu (toàn vẹn, mã kiểm tra, loại cơ sở dữ liệu) và in tóm tắt; không thay đổi gì.",
        )

    def handle(self, *args, archive, interactive=True, check=False, **options):
        try:
            if check:
                manifest = verify_archive(archive)
                self._summary(manifest)
                self.stdout.write(self.style.SUCCESS(f"Tệp sao lưu {archive} đầy đủ và khôi phục được vào đây."))
                return
            if interactive and not sys.stdin.isatty():
                raise CommandError(
                    "Khôi phục ghi đè toàn bộ dữ liệu và tệp của cổng, mà không có ai để xác nhận (không có "
                    "terminal): thêm --yes (make restore FILE=… YES=1). Không có gì thay đổi."
                )
            result = restore_backup(archive, confirm=lambda manifest: self._confirm(manifest, interactive))
        except BackupError as error:
            raise CommandError(str(error)) from error
        for note in result.notes:
            self.stdout.write(self.style.WARNING(note))
        seconds = format_number(Decimal(str(result.seconds)), 1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã khôi phục bản sao lưu ngày {result.manifest['created_at']} ({seconds} giây): dữ liệu khớp "
                "manifest từng bảng."
            )
        )

    def _summary(self, manifest):
        files = manifest["files"]
        media = [name for name in files if name.startswith("media/")]
        rows = sum(table["rows"] for table in manifest["tables"].values())
        database = manifest["database"]
        self.stdout.write(
            f"Bản sao lưu ngày {manifest['created_at']}, mã nguồn {manifest['code_version']}: "
            f"{database['vendor']} {database['server_version']} ({database.get('name', '')}), "
            f"{len(manifest['tables'])} bảng, {format_number(rows)} dòng; {len(media)} tệp MEDIA_ROOT."
        )

    def _confirm(self, manifest, interactive):
        self._summary(manifest)
        target = connection.settings_dict["NAME"]
        self.stdout.write(
            f"Sẽ ghi đè cơ sở dữ liệu {connection.vendor} {target} và các tệp trong {media_root()} "
            "bằng nội dung của bản sao lưu."
        )
        if not interactive:
            return True
        return input("Gõ “yes” để khôi phục, gõ khác để huỷ: ").strip().lower() == "yes"
