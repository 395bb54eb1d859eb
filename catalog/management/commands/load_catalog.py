"""``manage.py load_catalog [FILE]``: check a catalog file and publish it, once.

The file is checked by the serializers the API's PATCH uses; a bad file prints
each field error and exits non-zero. Loading the same file again changes nothing.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from catalog.api.serializers import CatalogFileSerializer
from catalog.services import CatalogFileConflict, catalog_file_import

DEFAULT_FILE = Path(settings.BASE_DIR) / "catalog" / "data" / "openai-2026-03-27.json"


class Command(BaseCommand):
    help = "Check a catalog file and publish it as a catalog version (nothing changes if already loaded)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "file",
            nargs="?",
            default=str(DEFAULT_FILE),
            help=f"A catalog file, as dump_catalog writes it (default: {DEFAULT_FILE.name}).",
        )

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        path = Path(file)
        data = read_catalog_file(path)
        serializer = CatalogFileSerializer(data=data)
        if not serializer.is_valid():
            lines = "\n".join(f"  {line}" for line in error_lines(serializer.errors))
            raise CommandError(f"{path} is not a valid catalog file:\n{lines}")
        try:
            version, created = catalog_file_import(data=serializer.validated_data)
        except CatalogFileConflict as exc:
            raise CommandError(str(exc)) from exc
        if created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created and published catalog version {version.pk}: {version.label} "
                    f"(in force from {version.effective_from.isoformat()})."
                )
            )
        else:
            self.stdout.write(
                f"Catalog version {version.pk} ({version.label}, from {version.effective_from.isoformat()}) "
                "already holds these prices; nothing changed."
            )


def read_catalog_file(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path} is not UTF-8 text: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"{path} is not valid JSON: {exc}") from exc


def error_lines(errors: Any, path: str = "") -> Iterator[str]:
    """DRF's nested errors as ``field[index].field: message`` lines.

    >>> list(error_lines({"image_prices": {1: {"price": ["Too big."]}}, "label": ["Required."]}))
    ['image_prices[1].price: Too big.', 'label: Required.']
    """
    if isinstance(errors, dict):
        for key, value in errors.items():
            if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
                yield from error_lines(value, f"{path}[{key}]")
            elif key == "non_field_errors":
                yield from error_lines(value, path)
            else:
                yield from error_lines(value, f"{path}.{key}" if path else str(key))
    elif isinstance(errors, list):
        for index, value in enumerate(errors):
            if isinstance(value, str):
                yield f"{path or 'file'}: {value}"
            elif value:
                yield from error_lines(value, f"{path}[{index}]")
    else:
        yield f"{path or 'file'}: {errors}"
