from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ethnic_portal.synthetic import DATA_UNTIL, SyntheticError, generate

HELP = f"""Sinh một "quốc gia tổng hợp" để đo hiệu năng (issue 8), vào cơ sở dữ liệu của DATABASE_URL.

Ở tỷ lệ 1.0: 34 tỉnh sau sắp xếp 2025 (từ dữ liệu tham chiếu; tự chạy load_reference_data nếu thiếu), khoảng
3.300 xã (xã thật của Thái Nguyên, các xã khác sinh ra với mã 9xxxx không trùng mã thật) và 35.000 thôn, 3 năm
ngân sách (2024, 2025 vốn giao mới giai đoạn I; 2026 chỉ có vốn 2025 chuyển sang vì giai đoạn II chưa có cơ cấu
dự án), 200.000 phân bổ, 1.000.000 khoản giải ngân (không phân bổ nào bị giải ngân vượt), kế hoạch giải ngân theo
tháng, thiết lập năm, kỳ báo cáo và diễn biến phê duyệt, 30.000 người có uy tín với 150.000 lượt hỗ trợ (trong
định mức của chế độ), 2.000.000 hộ (số định danh hợp lệ, không trùng) với 3.000.000 lượt hỗ trợ (có một số
trường hợp hưởng trùng để rà soát), người dùng tổng hợp (synth.bo, synth.tinh.<mã tỉnh>, synth.xa.<mã xã>).

Đơn giản hóa: mọi xã, thôn tổng hợp có hiệu lực từ 01/7/2025 và dữ liệu năm 2024 cũng gắn vào bản đồ đơn vị
2025 (để có hình dạng tải thật, không phải lịch sử thật). Không ghi ngày nào sau {DATA_UNTIL:%d/%m/%Y}.
Bảng lịch sử (django-simple-history) không được ghi cho dữ liệu nạp hàng loạt; nhật ký truy cập dữ liệu cá nhân
không bị động tới. Cùng --seed và --scale trên cùng dữ liệu tham chiếu cho đúng cùng dữ liệu (kể cả khóa chính).

Lệnh XÓA toàn bộ dữ liệu chương trình trước khi nạp; nếu cơ sở dữ liệu có dữ liệu không phải tổng hợp thì từ
chối, trừ khi có --force. PostgreSQL: nạp bằng COPY, vài phút ở tỷ lệ 1.0. SQLite: chỉ nên dùng tỷ lệ nhỏ."""


class Command(BaseCommand):
    help = HELP

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="Tỷ lệ so với cả nước (1.0); 0.01 để thử.")
        parser.add_argument("--seed", type=int, default=1719, help="Hạt giống ngẫu nhiên (mặc định 1719).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Xóa cả dữ liệu chương trình không phải tổng hợp đang có trong cơ sở dữ liệu.",
        )
        parser.add_argument(
            "--no-check", action="store_true", help="Bỏ bước kiểm tra sau khi nạp (không vượt vốn, đường dẫn…)."
        )

    def handle(self, *args, **options):
        if connection.vendor == "sqlite" and options["scale"] > 0.05:
            self.stderr.write(self.style.WARNING("SQLite: tỷ lệ lớn sẽ rất chậm; nên dùng PostgreSQL."))
        self.stdout.write(
            f"Sinh dữ liệu tổng hợp: tỷ lệ {options['scale']}, seed {options['seed']}, "
            f"cơ sở dữ liệu {connection.settings_dict['NAME']} ({connection.vendor})."
        )
        header = [f"{'bảng / bước':<36} {'số dòng':>12} {'giây':>8}"]

        def echo(label, rows, seconds):
            if header:  # once the load has started (a refusal prints no table)
                self.stdout.write(header.pop())
            count = f"{rows:,}".replace(",", ".") if rows is not None else ""
            self.stdout.write(f"{label:<36} {count:>12} {seconds:>8.1f}")
            self.stdout.flush()

        try:
            report = generate(
                scale=options["scale"],
                seed=options["seed"],
                force=options["force"],
                verify=not options["no_check"],
                echo=echo,
            )
        except SyntheticError as exc:
            raise CommandError(str(exc)) from exc
        total_rows = sum(rows for _label, rows, _s in report.steps if rows)
        self.stdout.write(f"{'tổng cộng':<36} {total_rows:>12,} {report.total_seconds:>8.1f}".replace(",", "."))
        if report.summaries is None:
            self.stdout.write("(chưa có disbursement.summary.rebuild_all: bảng tổng hợp chưa được dựng)")
        users = report.users
        self.stdout.write(
            self.style.SUCCESS(
                f"Xong. Mật khẩu mọi người dùng tổng hợp: {users['password']} — "
                f"{users['national'] or '(chưa có vai trò national)'}, {users['province'][0]} … "
                f"{users['province'][-1]}, {users['commune_count']} cán bộ xã (ví dụ {users['commune_example']})."
            )
        )
