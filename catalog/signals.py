"""Announcements of the catalog, for apps that depend on it (budgets listens).

Imports go budgets -> routing -> catalog, never back: the catalog announces a
publish with a signal instead of calling into budgets.
"""

from django.dispatch import Signal

# Sent by the ``catalog_version_published`` task with ``version_id``.
catalog_version_published = Signal()
