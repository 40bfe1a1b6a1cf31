"""The activity log is history: PostgreSQL refuses every UPDATE and DELETE of its rows.

A trigger holds whatever the code or the SQL that tries (the admin, a shell, a script, a cascade),
and the rows' project, actor and content type are protected from deletion so that no cascade even
starts. TRUNCATE fires no row trigger, so `manage.py flush` and the test suite's teardown still
empty the table. SQLite has no such trigger; there the model and its queryset refuse.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CREATE = """
CREATE OR REPLACE FUNCTION projects_activity_is_permanent() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Activity rows are history: % on projects_activity is refused.', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER projects_activity_is_permanent
    BEFORE UPDATE OR DELETE ON projects_activity
    FOR EACH ROW EXECUTE FUNCTION projects_activity_is_permanent();
"""

DROP = """
DROP TRIGGER IF EXISTS projects_activity_is_permanent ON projects_activity;
DROP FUNCTION IF EXISTS projects_activity_is_permanent();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("projects", "0003_sales_pages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="activity",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="activity",
            name="project",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="activities", to="projects.project"
            ),
        ),
        migrations.AlterField(
            model_name="activity",
            name="subject_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="contenttypes.contenttype"
            ),
        ),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
