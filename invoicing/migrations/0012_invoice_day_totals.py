"""The invoices' totals per day, order rep, status and kind, kept by PostgreSQL's triggers.

Every insert, update or delete of an invoice, and every change of a project's order rep or of a
sales order's project, adds its difference to `invoicing_invoicedaytotal` in the same statement, so
the totals hold whatever path wrote (services, imports, the admin, a bulk update). The table is filled
once from the invoices here. SQLite has no triggers of this kind: there the table stays empty and
the report sums the invoices themselves (invoicing.day_totals.day_totals_kept).
"""

from decimal import Decimal

from django.db import migrations, models

TOTALS = "invoicing_invoicedaytotal"
ADD_COLUMNS = "count, subtotal, tax, total, owed"
ON_CONFLICT = """
    ON CONFLICT (day, order_rep_id, status, kind) DO UPDATE SET
        count = t.count + EXCLUDED.count,
        subtotal = t.subtotal + EXCLUDED.subtotal,
        tax = t.tax + EXCLUDED.tax,
        total = t.total + EXCLUDED.total,
        owed = t.owed + EXCLUDED.owed
"""
# One project's (or sales order's) issued invoices, taken from one order rep (sign -1) and given to
# another (+1): `{orders}` selects the sales orders that moved.
MOVE_INVOICES = f"""
    INSERT INTO {TOTALS} AS t (day, order_rep_id, status, kind, {ADD_COLUMNS})
    SELECT i.date, moved.rep, i.status, i.kind, moved.sign * count(*), moved.sign * sum(i.subtotal),
           moved.sign * sum(i.tax), moved.sign * sum(i.total), moved.sign * sum(i.owed_amount)
    FROM invoicing_invoice i
    CROSS JOIN (VALUES (old_rep, -1), (new_rep, 1)) AS moved(rep, sign)
    WHERE i.sales_order_id IN ({{orders}}) AND i.status <> 'draft'
    GROUP BY i.date, moved.rep, moved.sign, i.status, i.kind
    {ON_CONFLICT};
"""  # noqa: S608 (the module's own constants)

FORWARD = f"""
CREATE FUNCTION invoicing_day_total_add(
    p_day date, p_rep integer, p_status varchar, p_kind varchar, p_count integer,
    p_subtotal numeric, p_tax numeric, p_total numeric, p_owed numeric
) RETURNS void LANGUAGE sql AS $$
    INSERT INTO {TOTALS} AS t (day, order_rep_id, status, kind, {ADD_COLUMNS})
    VALUES (p_day, p_rep, p_status, p_kind, p_count, p_subtotal, p_tax, p_total, p_owed)
    {ON_CONFLICT};
$$;

CREATE FUNCTION invoicing_order_rep(p_sales_order bigint) RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT p.order_rep_id FROM projects_salesorder so
                     JOIN projects_project p ON p.id = so.project_id WHERE so.id = p_sales_order), 0);
$$;

CREATE FUNCTION invoicing_invoice_day_totals() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' AND OLD.status <> 'draft' THEN
        PERFORM invoicing_day_total_add(OLD.date, invoicing_order_rep(OLD.sales_order_id), OLD.status, OLD.kind,
            -1, -OLD.subtotal, -OLD.tax, -OLD.total, -OLD.owed_amount);
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.status <> 'draft' THEN
        PERFORM invoicing_day_total_add(NEW.date, invoicing_order_rep(NEW.sales_order_id), NEW.status, NEW.kind,
            1, NEW.subtotal, NEW.tax, NEW.total, NEW.owed_amount);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER invoicing_invoice_day_totals AFTER INSERT OR DELETE ON invoicing_invoice
    FOR EACH ROW EXECUTE FUNCTION invoicing_invoice_day_totals();
CREATE TRIGGER invoicing_invoice_day_totals_update AFTER UPDATE ON invoicing_invoice
    FOR EACH ROW WHEN (
        OLD.date IS DISTINCT FROM NEW.date OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.kind IS DISTINCT FROM NEW.kind OR OLD.subtotal IS DISTINCT FROM NEW.subtotal
        OR OLD.tax IS DISTINCT FROM NEW.tax OR OLD.total IS DISTINCT FROM NEW.total
        OR OLD.owed_amount IS DISTINCT FROM NEW.owed_amount OR OLD.sales_order_id IS DISTINCT FROM NEW.sales_order_id
    ) EXECUTE FUNCTION invoicing_invoice_day_totals();

CREATE FUNCTION invoicing_project_rep_day_totals() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_rep integer := coalesce(OLD.order_rep_id, 0);
    new_rep integer := coalesce(NEW.order_rep_id, 0);
BEGIN
    {MOVE_INVOICES.format(orders="SELECT so.id FROM projects_salesorder so WHERE so.project_id = NEW.id")}
    RETURN NULL;
END;
$$;

CREATE TRIGGER invoicing_project_rep_day_totals AFTER UPDATE OF order_rep_id ON projects_project
    FOR EACH ROW WHEN (OLD.order_rep_id IS DISTINCT FROM NEW.order_rep_id)
    EXECUTE FUNCTION invoicing_project_rep_day_totals();

CREATE FUNCTION invoicing_order_project_day_totals() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_rep integer := coalesce((SELECT order_rep_id FROM projects_project WHERE id = OLD.project_id), 0);
    new_rep integer := coalesce((SELECT order_rep_id FROM projects_project WHERE id = NEW.project_id), 0);
BEGIN
    IF old_rep <> new_rep THEN
        {MOVE_INVOICES.format(orders="NEW.id")}
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER invoicing_order_project_day_totals AFTER UPDATE OF project_id ON projects_salesorder
    FOR EACH ROW WHEN (OLD.project_id IS DISTINCT FROM NEW.project_id)
    EXECUTE FUNCTION invoicing_order_project_day_totals();

INSERT INTO {TOTALS} (day, order_rep_id, status, kind, {ADD_COLUMNS})
SELECT i.date, coalesce(p.order_rep_id, 0), i.status, i.kind, count(*), sum(i.subtotal), sum(i.tax),
       sum(i.total), sum(i.owed_amount)
FROM invoicing_invoice i
JOIN projects_salesorder so ON so.id = i.sales_order_id
JOIN projects_project p ON p.id = so.project_id
WHERE i.status <> 'draft'
GROUP BY i.date, coalesce(p.order_rep_id, 0), i.status, i.kind;
"""  # noqa: S608 (the module's own constants)

BACKWARD = """
DROP TRIGGER IF EXISTS invoicing_order_project_day_totals ON projects_salesorder;
DROP TRIGGER IF EXISTS invoicing_project_rep_day_totals ON projects_project;
DROP TRIGGER IF EXISTS invoicing_invoice_day_totals_update ON invoicing_invoice;
DROP TRIGGER IF EXISTS invoicing_invoice_day_totals ON invoicing_invoice;
DROP FUNCTION IF EXISTS invoicing_order_project_day_totals();
DROP FUNCTION IF EXISTS invoicing_project_rep_day_totals();
DROP FUNCTION IF EXISTS invoicing_invoice_day_totals();
DROP FUNCTION IF EXISTS invoicing_order_rep(bigint);
DROP FUNCTION IF EXISTS invoicing_day_total_add(date, integer, varchar, varchar, integer, numeric, numeric, numeric, numeric);
"""


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


STATUSES = [
    ("draft", "Draft"),
    ("open", "Open"),
    ("sent_to_client", "Sent to Client"),
    ("exported", "Exported"),
    ("paid", "Paid"),
    ("void", "Void"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0011_amounts_to_the_cent"),
        ("projects", "0014_item_supplier_product_ids"),
    ]

    operations = [
        migrations.CreateModel(
            name="InvoiceDayTotal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField()),
                ("order_rep_id", models.IntegerField()),
                ("status", models.CharField(choices=STATUSES, max_length=20)),
                ("kind", models.CharField(choices=[("partial", "Partial"), ("final", "Final")], max_length=10)),
                ("count", models.IntegerField(default=0)),
                ("subtotal", models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=16)),
                ("tax", models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=16)),
                ("total", models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=16)),
                ("owed", models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=16)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("day", "order_rep_id", "status", "kind"), name="invoice_day_total_key"
                    )
                ],
            },
        ),
        migrations.RunPython(on_postgresql(FORWARD), on_postgresql(BACKWARD), elidable=False),
    ]
