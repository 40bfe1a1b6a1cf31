from django.apps import AppConfig


class BackordersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "backorders"

    def ready(self) -> None:
        # What this app adds to the project page (projects.pages).
        from backorders import pages  # noqa: F401
        from backorders.receivers import on_purchase_order_stage_changed
        from purchasing.signals import purchase_order_stage_changed

        purchase_order_stage_changed.connect(
            on_purchase_order_stage_changed, dispatch_uid="backorders.on_purchase_order_stage_changed"
        )
