# Backorder Desk for production: one image for the web, the worker and beat (compose.yaml runs all three).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBUG=0 \
    LOG_FORMAT=json

WORKDIR /app

# Dependencies first, from the lock file with its hashes, so a code change rebuilds only the last layers.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY . .
# collectstatic needs settings that refuse to start without a real key and the site's address; these
# exist only for the build (compose.yaml or the platform give the real ones at run time).
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=build SITE_URL=http://build \
    python manage.py collectstatic --noinput --verbosity 0 \
    && useradd --system --uid 10001 --home-dir /app desk \
    && chown -R desk /app

USER desk
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn config.wsgi --workers ${WEB_CONCURRENCY:-3} --bind 0.0.0.0:8000 --access-logfile - --timeout 30"]
