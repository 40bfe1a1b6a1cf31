from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "invoicing"

    def ready(self) -> None:
        from accounts.recent import forget_when_deleted
        from invoicing import pages  # noqa: F401  (what this app adds to the project and sales order pages)
        from invoicing.models import Invoice
        from invoicing.receivers import invoices_follow_their_project
        from projects.signals import project_client_changed

        # A discarded draft invoice leaves every Recent menu.
        forget_when_deleted(Invoice)
        # A project that moves to another client takes its invoices' kept client with it.
        project_client_changed.connect(invoices_follow_their_project, dispatch_uid="invoices-follow-their-project")
