from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ethnic_portal.backup import BackupError, create_backup
from ethnic_portal.formatting import format_number


class Command(BaseCommand):
    help = (
        "Sao lưu toàn bộ cổng vào một tệp ethnic_portal-YYYYMMDD-HHMMSS.tar.gz (make backup): cơ sở dữ liệu "
        "(PostgreSQL: pg_dump định dạng custom, pg_dump không được cũ hơn máy chủ; SQLite: bản sao nhất quán qua "
        "backup API của sqlite3), mọi tệp trong MEDIA_ROOT (tệp báo cáo, tệp Excel đã tải lên) và manifest.json "
        "(phiên bản mã nguồn, số dòng và dấu vân tay từng bảng, SHA-256 từng tệp). Tệp được đọc lại để kiểm tra "
        "trước khi đặt tên cuối cùng; chỉ chủ sở hữu đọc được (có số định danh cá nhân). Biến môi trường PG_DUMP "
        "chỉ định pg_dump khác với pg_dump trên PATH."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir",
            help=f"Thư mục ghi bản sao lưu (mặc định BACKUP_DIR: {settings.BACKUP_DIR}).",
        )

    def handle(self, *args, output_dir=None, **options):
        try:
            result = create_backup(output_dir)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        files = manifest["files"]
        media = [name for name in files if name.startswith("media/")]
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            f"Cơ sở dữ liệu {manifest['database']['vendor']} ({manifest['database']['server_version']}): "
            f"{len(manifest['tables'])} bảng, {format_number(rows)} dòng; {len(media)} tệp trong MEDIA_ROOT "
            f"({format_number(sum(files[name]['size'] for name in media))} byte)."
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã tạo bản sao lưu {result.path} ({format_number(result.path.stat().st_size)} byte, "
                f"{format_number(Decimal(str(result.seconds)), 1)} giây)."
            )
        )
