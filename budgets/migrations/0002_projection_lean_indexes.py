"""Projections, recommendations and team months are rewritten by every recompute.

Fewer indexes on projections (the composite ones cover their foreign keys), and
free room in each page so that PostgreSQL can rewrite a row in place (a HOT
update: no index entries at all) instead of moving it.
"""

import django.db.models.deletion
from django.db import migrations, models

# Percent of each page filled by inserts; the rest is room for the next version of its rows.
FILLFACTORS = {"budgets_projection": 50, "budgets_planrecommendation": 70, "budgets_teammonth": 70}


def set_fillfactors(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, fillfactor in FILLFACTORS.items():
        schema_editor.execute(
            f"ALTER TABLE {schema_editor.quote_name(table)} SET (fillfactor = {fillfactor})"
        )


def reset_fillfactors(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in FILLFACTORS:
        schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("budgets", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="projection",
            name="plan",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="projections",
                to="budgets.workloadplan",
            ),
        ),
        migrations.AlterField(
            model_name="projection",
            name="team",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="projections",
                to="budgets.team",
            ),
        ),
        migrations.RunPython(set_fillfactors, reset_fillfactors, elidable=False),
    ]
