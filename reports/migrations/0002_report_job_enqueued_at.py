from django.db import migrations, models


def existing_jobs_were_sent(apps, schema_editor):
    """Jobs made before the field existed were handed to the queue when they were asked for."""
    ReportJob = apps.get_model("reports", "ReportJob")
    ReportJob.objects.filter(enqueued_at__isnull=True).update(enqueued_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportjob",
            name="enqueued_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Lần gần nhất yêu cầu được gửi tới hàng đợi tác vụ; trống khi hàng đợi chưa nhận được.",
                null=True,
                verbose_name="gửi vào hàng đợi lúc",
            ),
        ),
        migrations.RunPython(existing_jobs_were_sent, migrations.RunPython.noop),
    ]
