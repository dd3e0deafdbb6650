# syntax=docker/dockerfile:1
#
# One image for every role: web (the default command), Celery worker, Celery
# beat and the migration job; docker-compose.yml and k8s/ pick the command.
# Nothing secret is baked in: configuration comes from the environment at run
# time (see docs/operations.md).

# ---------------------------------------------------------------------------
# Stage 1: build wheels for every requirement.
# ---------------------------------------------------------------------------
FROM python:3.11-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /build
COPY requirements.txt .
RUN pip wheel --wheel-dir /wheels -r requirements.txt

# ---------------------------------------------------------------------------
# Stage 2: front-end packages from the npm registry (none are committed).
# ---------------------------------------------------------------------------
FROM node:20-slim AS assets

WORKDIR /assets
COPY package.json package-lock.json ./
COPY scripts/vendor.sh scripts/terminal_sw.mjs scripts/
# The browser terminal's service worker precaches these files under their hashes.
COPY static/ui static/ui
RUN npm ci --no-audit --no-fund --loglevel=error && scripts/vendor.sh

# ---------------------------------------------------------------------------
# Stage 3: the runtime image.
# ---------------------------------------------------------------------------
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/var/lib/zargar/media \
    PORT=8000 \
    WEB_CONCURRENCY=2 \
    GUNICORN_THREADS=4 \
    GUNICORN_TIMEOUT=30

# The PDF exports' font (Persian glyphs), gettext for the translations,
# pg_dump (postgresql-client: new shops are made from the template's DDL,
# apps/tenancy/blueprint.py; shop exports; Debian's client is at least as new
# as the PostgreSQL 15 the deployment runs) and Debian's PgBouncer, which the
# pgbouncer service runs from this image (scripts/pgbouncer_serve.py; its
# packaged service is never started).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core gettext postgresql-client pgbouncer \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 zargar \
 && useradd --system --uid 10001 --gid zargar --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin zargar

# Install from the wheels of the build stage without copying them into a layer.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    --mount=type=bind,source=requirements.txt,target=/tmp/requirements.txt \
    pip install --no-index --find-links=/wheels -r /tmp/requirements.txt

WORKDIR /app
COPY . .
COPY --from=assets /assets/static/vendor static/vendor

# Static files are collected at build time. The local settings module carries
# a throwaway development key, so no secret is needed (or stored) here, and
# collectstatic touches neither PostgreSQL nor Redis.
RUN DJANGO_SETTINGS_MODULE=config.settings.local python manage.py compilemessages -v 0
RUN DJANGO_SETTINGS_MODULE=config.settings.local python manage.py collectstatic --noinput \
 && mkdir -p "$MEDIA_ROOT" \
 && chown zargar:zargar "$MEDIA_ROOT"

# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001

EXPOSE 8000

# /healthz answers on every host before any database access; the Host header
# "localhost" must be in ALLOWED_HOSTS (it is in every shipped configuration).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:' + os.environ.get('PORT', '8000') + '/healthz', headers={'Host': 'localhost'}), timeout=4)"]

# Workers and threads come from the environment (WEB_CONCURRENCY,
# GUNICORN_THREADS, GUNICORN_TIMEOUT). The heartbeat files go to /tmp and the
# control socket is off, so the root filesystem can be read-only.
# config/gunicorn.py: the workers' metrics files (PROMETHEUS_MULTIPROC_DIR, in
# /tmp). Django writes the access log (JSON, with request id and shop).
CMD ["sh", "-c", "exec gunicorn config.wsgi:application -c config/gunicorn.py --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY} --threads ${GUNICORN_THREADS} --timeout ${GUNICORN_TIMEOUT} --graceful-timeout 25 --worker-tmp-dir /tmp --no-control-socket"]
