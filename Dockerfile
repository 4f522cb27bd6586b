# The portal image: one image for the web, worker and beat processes of docker-compose.yml.
# Build:  docker build -t ethnic_portal .      Run:  docker compose up -d --build   (see docker-compose.yml)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MEDIA_ROOT=/var/lib/ethnic_portal/media \
    BACKUP_DIR=/var/lib/ethnic_portal/backups \
    PORTAL_BIND=0.0.0.0:8000

# An unprivileged user owns nothing but the media and backup directories; the code stays root-owned and read-only
# to it.
RUN groupadd --system --gid 10001 portal \
 && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home --shell /usr/sbin/nologin portal

WORKDIR /app

# pg_dump and pg_restore for `manage.py backup` / `restore`, of the major version of the compose server (postgres:16):
# a pg_dump older than its server refuses to dump it, and Debian's own client is 15. From the PostgreSQL project's
# apt repository (postgresql-common ships its signing key and the script that adds it).
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql-common ca-certificates \
 && /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y \
 && apt-get install -y --no-install-recommends postgresql-client-16 \
 && rm -rf /var/lib/apt/lists/*

# Dependencies first, so that a code change does not reinstall them (every pin has a manylinux wheel:
# psycopg2-binary brings its own libpq, so no compiler or -dev package is needed).
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Static files are collected (hashed and compressed for whitenoise) at build time, with a dummy key that
# exists only during this step: the running containers get the real DJANGO_SECRET_KEY from the environment.
RUN DJANGO_SECRET_KEY=build-time-dummy-key-not-used-at-runtime DJANGO_DEBUG=0 \
    python manage.py collectstatic --noinput \
 && mkdir -p /var/lib/ethnic_portal/media /var/lib/ethnic_portal/backups \
 && chown portal:portal /var/lib/ethnic_portal/media /var/lib/ethnic_portal/backups \
 && chmod 700 /var/lib/ethnic_portal/backups

USER portal
EXPOSE 8000

# bin/web, bin/worker and bin/beat are the same commands .ci/run starts natively; compose picks one per service.
CMD ["bin/web"]
