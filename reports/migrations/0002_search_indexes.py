"""The header search's indexes: trigram (pg_trgm) GIN indexes on what it matches anywhere in a word, and
btree indexes on the upper-cased numbers in byte order for "the number starts with", newest first.

They exist on PostgreSQL only and are not declared in the models' Meta: SQLite has neither GIN nor
gin_trgm_ops, and on SQLite Django rebuilds a table with every index its Meta declares whenever a later
migration alters it. On SQLite the search reads the same conditions without an index (LIKE).

Built CONCURRENTLY (the migration is not atomic), so a desk with a long history keeps taking orders
and issuing invoices while they build.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models
from django.db.models.functions import Collate, Upper

# (app label, model, the index's name, its expression, trigram?)
SEARCH_INDEXES = [
    ("projects", "Project", "project_number_trgm", "number", True),
    ("projects", "Project", "project_name_trgm", "name", True),
    ("projects", "Project", "project_number_prefix", "number", False),
    ("projects", "SalesOrder", "so_number_trgm", "number", True),
    ("projects", "SalesOrder", "so_client_po_trgm", "client_po_number", True),
    ("projects", "SalesOrder", "so_number_prefix", "number", False),
    ("purchasing", "PurchaseOrder", "po_number_trgm", "number", True),
    ("purchasing", "PurchaseOrder", "po_number_prefix", "number", False),
    ("invoicing", "Invoice", "invoice_number_trgm", "number", True),
    ("invoicing", "Invoice", "invoice_number_prefix", "number", False),
    ("projects", "Client", "client_name_trgm", "name", True),
    ("purchasing", "Supplier", "supplier_name_trgm", "name", True),
]


def _index(name: str, field: str, trigram: bool) -> models.Index:
    # The expressions are exactly those reports/search.py filters and orders by, or PostgreSQL would not
    # match them: UPPER(col) for icontains, UPPER(col) COLLATE "C" for startswith and the ORDER BY.
    if trigram:
        return GinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=name)
    return models.Index(Collate(Upper(field), "C"), name=name)


class TrigramExtensionOnPostgreSQL(TrigramExtension):
    """Django's operation does nothing on other databases going forward, but going back it asks SQLite for
    pg_extension: this one does nothing there either way, so the migrations also run backwards on SQLite."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def add_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for app_label, model_name, name, field, trigram in SEARCH_INDEXES:
        model = apps.get_model(app_label, model_name)
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')  # an earlier attempt left it invalid
        schema_editor.add_index(model, _index(name, field, trigram), concurrently=True)


def remove_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _app_label, _model_name, name, _field, _trigram in SEARCH_INDEXES:
        schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0001_initial"),
        ("projects", "0010_client_default_tax_rate"),
        ("purchasing", "0002_ready_follows_the_goods"),
        ("invoicing", "0007_payments_for_invoices_marked_paid"),
    ]

    operations = [
        # CREATE EXTENSION IF NOT EXISTS pg_trgm; nothing on other databases.
        TrigramExtensionOnPostgreSQL(),
        migrations.RunPython(add_search_indexes, remove_search_indexes, elidable=False),
    ]
