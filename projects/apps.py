from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "projects"

    def ready(self) -> None:
        # Sign-in throttling listens to Django's login signals.
        from config import throttle  # noqa: F401
