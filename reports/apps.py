from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        # What this app adds to the supplier page (purchasing.pages).
        from reports import pages  # noqa: F401
