# Spendlane's production image: one image for the web, worker, beat and migrate services.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app

# Only the runtime part of requirements.txt: everything above "# Tests and tooling".
COPY requirements.txt ./
RUN sed '/^# Tests and tooling/,$d' requirements.txt > /tmp/runtime-requirements.txt \
    && pip install -r /tmp/runtime-requirements.txt \
    && rm /tmp/runtime-requirements.txt

COPY . .
# Static files (admin, API docs) collected for a front proxy; the values are build-time only.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput

RUN groupadd --system spendlane && useradd --system --gid spendlane --no-create-home spendlane
USER spendlane

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
