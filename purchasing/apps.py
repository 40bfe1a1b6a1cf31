from django.apps import AppConfig


class PurchasingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "purchasing"

    def ready(self) -> None:
        # What this app adds to the project and sales order pages (projects.pages).
        from purchasing import pages  # noqa: F401
