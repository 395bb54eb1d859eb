"""Announcements of the catalog, for apps that depend on it (budgets listens).

Imports go budgets -> routing -> catalog, never back: the catalog announces a
publish with signals instead of calling into budgets.
"""

from django.dispatch import Signal

# Sent inside the publish transaction, with ``version``: receivers write what must
# commit with the publish, or not at all (budgets marks every team stale).
catalog_version_publishing = Signal()

# Sent by the ``catalog_version_published`` task once the publish committed, with
# ``version_id``: receivers start the work (budgets queues the recompute fan-out).
catalog_version_published = Signal()
