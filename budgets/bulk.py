"""Set-based upserts: many rows in, one statement out.

On PostgreSQL the rows are streamed with COPY into a temporary table and merged
with one ``INSERT ... SELECT ... ON CONFLICT DO UPDATE``, which is several times
faster than Django's ``bulk_create(update_conflicts=True)`` for wide rows with
JSON (serialized by orjson, about ten times faster than the standard library's
json here); elsewhere (SQLite for ``make run``) it is ``bulk_create``.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from django.db import connection, models, transaction
from psycopg.types.json import Jsonb


def upsert(
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    *,
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
    compare_fields: Sequence[str] = (),
) -> None:
    """Insert ``rows`` (dicts by field attname, e.g. ``plan_id``) or update them on conflict.

    With ``compare_fields``, a row that already holds the same values in those fields is
    left alone, ``update_fields`` included (on PostgreSQL; elsewhere every row is
    rewritten): most of a recompute's rows come out as they were, and a row not
    rewritten costs the database nothing.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**row) for row in rows],
            update_conflicts=True,
            unique_fields=unique_fields,
            update_fields=update_fields,
            batch_size=500,
        )
        return
    # Every column but an automatic primary key goes in; only update_fields change on conflict.
    fields = [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and isinstance(field, models.AutoField | models.BigAutoField))
    ]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_list = ", ".join(quote(field.column) for field in fields)
    staging = quote(f"upsert_{model._meta.db_table}")
    updates = ", ".join(
        f"{quote(column)} = EXCLUDED.{quote(column)}"
        for column in (model._meta.get_field(name).column for name in update_fields)
    )
    unchanged = ""
    if compare_fields:
        compared = [quote(model._meta.get_field(name).column) for name in compare_fields]
        unchanged = " WHERE ({}) IS DISTINCT FROM ({})".format(
            ", ".join(f"{table}.{column}" for column in compared),
            ", ".join(f"EXCLUDED.{column}" for column in compared),
        )
    conflict = ", ".join(quote(model._meta.get_field(name).column) for name in unique_fields)
    json_columns = {i for i, field in enumerate(fields) if isinstance(field, models.JSONField)}
    attnames = [field.attname for field in fields]

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {staging}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "
            f"SELECT {column_list} FROM {table} WITH NO DATA"
        )
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        # Django wraps only the methods of its own cursor: without this, a connection lost during the
        # COPY raises psycopg's OperationalError, which the tasks do not retry, and Django would not
        # know the connection is broken.
        with connection.wrap_database_errors, raw.copy(f"COPY {staging} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                values = [row.get(name) for name in attnames]
                for index in json_columns:
                    values[index] = Jsonb(values[index], dumps=orjson.dumps)
                copy.write_row(values)
        cursor.execute(
            f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {staging} "
            f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}{unchanged}"
        )
        cursor.execute(f"DROP TABLE {staging}")
