import logging

from celery import shared_task

from catalog import signals

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=300, soft_time_limit=240)
def catalog_version_published(version_id: int) -> None:
    """Tell the apps that depend on prices that a version was published."""
    logger.info("catalog version %s published", version_id)
    signals.catalog_version_published.send(sender=None, version_id=version_id)
