from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "invoicing"

    def ready(self) -> None:
        from accounts.recent import forget_when_deleted
        from invoicing import pages  # noqa: F401  (what this app adds to the project and sales order pages)
        from invoicing.models import Invoice

        # A discarded draft invoice leaves every Recent menu.
        forget_when_deleted(Invoice)
