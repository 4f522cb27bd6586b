"""Celery application. Settings come from Django's settings under the CELERY_ namespace.

Without CELERY_BROKER_URL the settings switch tasks to eager (in-process) mode, so the
same code runs with or without Redis.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ethnic_portal.settings")
# No result store (settings CELERY_RESULT_BACKEND = None: tasks keep their state in the database). Celery would read
# this variable before the settings, so an old environment could bring the store back: it is dropped here.
os.environ.pop("CELERY_RESULT_BACKEND", None)

app = Celery("ethnic_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
