from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "invoicing"

    def ready(self) -> None:
        # What this app adds to the project and sales order pages (projects.pages).
        from invoicing import pages  # noqa: F401
