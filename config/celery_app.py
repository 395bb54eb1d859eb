import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("spendlane")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
def _log_task_context(task_id=None, task=None, **kwargs) -> None:
    from config.logging import clear_log_context, log_context

    clear_log_context()
    log_context(task_id=task_id, task_name=getattr(task, "name", None))


@signals.task_postrun.connect
def _clear_task_context(**kwargs) -> None:
    from config.logging import clear_log_context

    clear_log_context()


@app.task(name="spendlane.worker_heartbeat", ignore_result=True, time_limit=30)
def worker_heartbeat() -> None:
    """Proof that a worker takes jobs off the queue (``/readyz``)."""
    from config.health import worker_heartbeat_record

    worker_heartbeat_record()
