from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"

    def ready(self) -> None:
        from accounts.recent import forget_when_deleted
        from projects.models import Client, Project, SalesOrder

        # A deleted client, project or order leaves every Recent menu.
        for model in (Client, Project, SalesOrder):
            forget_when_deleted(model)
