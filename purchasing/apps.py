from django.apps import AppConfig


class PurchasingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "purchasing"

    def ready(self) -> None:
        from accounts.recent import forget_when_deleted
        from purchasing import pages  # noqa: F401  (what this app adds to the project and sales order pages)
        from purchasing.models import PurchaseOrder

        # A deleted purchase order leaves every Recent menu.
        forget_when_deleted(PurchaseOrder)
