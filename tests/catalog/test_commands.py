"""load_catalog and dump_catalog: checked loads, idempotence, and a lossless round trip."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from catalog.models import (
    BatchDiscount,
    CatalogVersion,
    ImageModel,
    ImagePrice,
    Provider,
    RateLimit,
    TokenRate,
)
from catalog.selectors import catalog_version_cells
from catalog.services import catalog_file_export, catalog_version_draft_create


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def write_json(tmp_path, data, name="catalog.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def wipe_catalog() -> None:
    """Empty every catalog table, published versions included (raw SQL: the ORM refuses)."""
    with connection.cursor() as cursor:
        for model in (ImagePrice, TokenRate, BatchDiscount, RateLimit, CatalogVersion, ImageModel, Provider):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")


# --- load_catalog --------------------------------------------------------------------


def test_it_loads_the_seed_catalog_by_default(db):
    output = run("load_catalog")

    version = CatalogVersion.objects.get()
    assert output.startswith(f"Created and published catalog version {version.pk}: OpenAI 2026-03-27")
    assert version.status == "published"
    assert ImagePrice.objects.filter(version=version).count() == 27
    assert TokenRate.objects.filter(version=version).count() == 15
    assert BatchDiscount.objects.filter(version=version).count() == 3
    assert RateLimit.objects.filter(version=version).count() == 12
    assert ImageModel.objects.count() == 3
    assert Provider.objects.count() == 1


def test_it_changes_nothing_when_loading_twice(db, django_capture_on_commit_callbacks):
    run("load_catalog")
    version = CatalogVersion.objects.get()

    with django_capture_on_commit_callbacks() as callbacks:
        output = run("load_catalog")

    assert output.startswith(
        f"Catalog version {version.pk} (OpenAI 2026-03-27, from 2026-03-27) already holds"
    )
    assert CatalogVersion.objects.count() == 1
    assert ImagePrice.objects.count() == 27
    assert callbacks == []


def test_it_refuses_a_file_with_other_prices_under_a_loaded_label(tmp_path, seed_catalog, seed_catalog_data):
    seed_catalog_data["image_prices"][0]["price"] = "0.004"

    with pytest.raises(CommandError, match="already exists with other prices"):
        run("load_catalog", write_json(tmp_path, seed_catalog_data))

    assert CatalogVersion.objects.count() == 1


def test_it_prints_every_field_error_of_a_bad_file(tmp_path, db, seed_catalog_data):
    seed_catalog_data["image_prices"][1]["price"] = "-1"
    seed_catalog_data["image_prices"][2]["price"] = "0.0000001"
    seed_catalog_data["token_rates"][0]["kind"] = "audio"
    seed_catalog_data["rate_limits"].append(dict(seed_catalog_data["rate_limits"][0]))
    seed_catalog_data["batch_discounts"][0]["model"] = "dall-e-9"
    seed_catalog_data["models"][0]["role"] = "hero"
    del seed_catalog_data["label"]

    with pytest.raises(CommandError) as raised:
        run("load_catalog", write_json(tmp_path, seed_catalog_data))

    message = str(raised.value)
    assert "is not a valid catalog file" in message
    assert "image_prices[1].price: Ensure this value is greater than or equal to 0." in message
    assert "image_prices[2].price: Ensure that there are no more than 6 decimal places." in message
    assert 'token_rates[0].kind: "audio" is not a valid choice.' in message
    assert "batch_discounts[0].model: Unknown model 'dall-e-9'." in message
    assert 'models[0].role: "hero" is not a valid choice.' in message
    assert "label: This field is required." in message
    assert CatalogVersion.objects.count() == 0
    assert ImageModel.objects.count() == 0


def test_it_refuses_duplicate_and_null_cells_in_a_file(tmp_path, db, seed_catalog_data):
    seed_catalog_data["rate_limits"].append(dict(seed_catalog_data["rate_limits"][0]))
    seed_catalog_data["token_rates"][3]["per_million"] = None

    with pytest.raises(CommandError) as raised:
        run("load_catalog", write_json(tmp_path, seed_catalog_data))

    message = str(raised.value)
    assert "rate_limits[12]: Duplicate cell gpt-image-1-mini free: list it once." in message
    assert "token_rates[3].per_million: A catalog file leaves absent cells out" in message
    assert CatalogVersion.objects.count() == 0


def test_it_refuses_a_model_of_an_unknown_provider(tmp_path, db, seed_catalog_data):
    seed_catalog_data["providers"] = []

    with pytest.raises(CommandError, match=r"models\[0\].provider: Unknown provider 'openai'."):
        run("load_catalog", write_json(tmp_path, seed_catalog_data))

    assert Provider.objects.count() == 0


def test_it_knows_models_already_in_the_database(tmp_path, seed_catalog, seed_catalog_data):
    data = {
        "format": "spendlane-catalog/1",
        "label": "Mini only",
        "effective_from": "2026-12-01",
        "image_prices": [
            {"model": "gpt-image-1-mini", "quality": "low", "size": "1024x1024", "price": "0.004"}
        ],
    }

    output = run("load_catalog", write_json(tmp_path, data))

    assert output.startswith("Created and published catalog version")
    assert CatalogVersion.objects.get(label="Mini only").status == "published"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "file: Invalid data. Expected a dictionary, but got list."),
        ('{"format": "other/9"}', 'format: "other/9" is not a valid choice.'),
    ],
)
def test_it_refuses_a_file_that_is_not_a_catalog(tmp_path, db, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)

    with pytest.raises(CommandError, match=message):
        run("load_catalog", str(path))

    assert CatalogVersion.objects.count() == 0


def test_it_says_when_the_file_is_missing(tmp_path, db):
    with pytest.raises(CommandError, match="Cannot read"):
        run("load_catalog", str(tmp_path / "missing.json"))


# --- dump_catalog --------------------------------------------------------------------


def test_it_dumps_the_current_version_to_stdout(seed_catalog):
    output = run("dump_catalog")

    assert json.loads(output) == catalog_file_export(version=seed_catalog)
    assert output.startswith('{\n  "format": "spendlane-catalog/1",')
    assert run("dump_catalog", "--current") == output


def test_it_dumps_a_given_version_to_a_file(tmp_path, seed_catalog, draft):
    path = tmp_path / "draft.json"

    output = run("dump_catalog", "--version", str(draft.pk), "--output", str(path))

    assert output == f"Wrote catalog version {draft.pk} (Spring prices) to {path}.\n"
    data = json.loads(path.read_text())
    assert data["label"] == "Spring prices"
    assert len(data["image_prices"]) == 27


def test_it_says_when_there_is_nothing_to_dump(db):
    with pytest.raises(CommandError, match="No catalog version is in force"):
        run("dump_catalog")
    with pytest.raises(CommandError, match=r"No catalog version 42\."):
        run("dump_catalog", "--version", "42")


def test_it_refuses_both_version_and_current(seed_catalog):
    with pytest.raises(CommandError, match="not allowed with argument"):
        run("dump_catalog", "--version", str(seed_catalog.pk), "--current")


def test_it_round_trips_a_dump_through_an_empty_database(tmp_path, seed_catalog):
    edited = catalog_version_draft_create(created_by=None, clone_from=seed_catalog, label="Edge values")
    ImagePrice.objects.filter(version=edited, model__slug="gpt-image-1").update(price="999999.999999")
    ImagePrice.objects.filter(version=edited, model__slug="gpt-image-1-mini", quality="low").update(
        price="0.000001"
    )
    RateLimit.objects.filter(version=edited, tier="tier5").update(tpm=9_223_372_036_854_775_807)
    cells = catalog_version_cells(version=edited)
    exported = catalog_file_export(version=edited)
    path = tmp_path / "dump.json"
    run("dump_catalog", "--version", str(edited.pk), "--output", str(path))
    wipe_catalog()
    assert CatalogVersion.objects.count() == ImageModel.objects.count() == 0

    output = run("load_catalog", str(path))

    loaded = CatalogVersion.objects.get()
    assert output.startswith(f"Created and published catalog version {loaded.pk}: Edge values")
    assert catalog_version_cells(version=loaded) == cells
    assert catalog_file_export(version=loaded) == exported
    assert run("load_catalog", str(path)).startswith(f"Catalog version {loaded.pk} ")
    assert CatalogVersion.objects.count() == 1


def test_it_refuses_a_model_listed_twice(tmp_path, db, seed_catalog_data):
    seed_catalog_data["models"].append(dict(seed_catalog_data["models"][0]))

    with pytest.raises(CommandError, match=r"models\[3\]: Duplicate slug gpt-image-1-mini: list it once\."):
        run("load_catalog", write_json(tmp_path, seed_catalog_data))

    assert ImageModel.objects.count() == 0
