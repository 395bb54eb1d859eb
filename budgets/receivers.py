"""How budgets hears of a published catalog version."""

from django.dispatch import receiver

from budgets import recompute
from catalog.signals import catalog_version_published, catalog_version_publishing


@receiver(catalog_version_publishing, dispatch_uid="budgets.mark_teams_on_publish")
def mark_every_team_stale(sender, version, **kwargs) -> None:
    """In the publish transaction: every team's numbers are stale, durably."""
    recompute.recompute_request_all_teams(reason=f"catalog version {version.pk} published", queue=False)


@receiver(catalog_version_published, dispatch_uid="budgets.fan_out_on_publish")
def fan_out_recompute(sender, version_id, **kwargs) -> None:
    """Once it committed: queue the recompute of every marked team, in chunks."""
    recompute.recompute_queue_marked()
