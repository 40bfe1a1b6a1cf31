"""Create the four groups of the order desk with their model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

APPS = ["projects", "backorders", "invoicing", "notifications"]

# Every group may view everything; these are the writes each group's work needs.
GROUP_PERMISSIONS = {
    "Production": [
        "change_purchaseorder",
        "add_backorder",
        "change_backorder",
        "add_supplier",
        "change_supplier",
        "add_note",
        "change_note",
    ],
    "Sales": [
        "add_client",
        "change_client",
        "add_supplier",
        "change_supplier",
        "add_project",
        "change_project",
        "add_salesorder",
        "change_salesorder",
        "add_salesorderitem",
        "change_salesorderitem",
        "delete_salesorderitem",
        "add_purchaseorder",
        "add_purchaseorderitem",
        "add_note",
        "change_note",
    ],
    "Invoicing": ["add_invoice", "change_invoice", "add_invoiceline", "add_note", "change_note"],
    "Managers": None,  # every permission of the desk's apps
}


def create_groups(apps, schema_editor):
    for app_label in APPS:
        # Permissions are normally written after migrating; the groups need them now.
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    desk_permissions = Permission.objects.filter(content_type__app_label__in=APPS)
    viewing = desk_permissions.filter(codename__startswith="view_")
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        granted = desk_permissions if codenames is None else desk_permissions.filter(codename__in=codenames) | viewing
        group.permissions.set(granted)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
        ("backorders", "0002_initial"),
        ("invoicing", "0002_initial"),
        ("notifications", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
