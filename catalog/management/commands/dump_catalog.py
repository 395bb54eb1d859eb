"""``manage.py dump_catalog [--version ID | --current] [--output FILE]``: a catalog version as a file.

The file is what ``load_catalog`` reads back: loaded into an empty database it
gives the same cells.
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from catalog.models import CatalogVersion
from catalog.selectors import catalog_version_in_force
from catalog.services import catalog_file_export


class Command(BaseCommand):
    help = "Write a catalog version (default: the one in force today) as a catalog file, as pretty JSON."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any):
        # Our --version picks a catalog version; it replaces Django's --version (its own version).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument(
            "--version", dest="version_id", type=int, metavar="ID", help="A catalog version's id."
        )
        which.add_argument("--current", action="store_true", help="The version in force today (the default).")
        parser.add_argument(
            "--output", "-o", metavar="FILE", help="Write to FILE instead of standard output."
        )

    def handle(self, *args: Any, version_id: int | None, output: str | None, **options: Any) -> None:
        if version_id is not None:
            version = CatalogVersion.objects.filter(pk=version_id).first()
            if version is None:
                raise CommandError(f"No catalog version {version_id}.")
        else:
            today = timezone.localdate()
            version = catalog_version_in_force(on=today)
            if version is None:
                raise CommandError(
                    f"No catalog version is in force on {today.isoformat()}; pass --version ID."
                )
        text = json.dumps(catalog_file_export(version=version), indent=2, ensure_ascii=False) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}") from exc
        self.stdout.write(f"Wrote catalog version {version.pk} ({version.label}) to {output}.")
