from django.apps import AppConfig


class CreatorsConfig(AppConfig):
    name = "creators"

    def ready(self) -> None:
        from creators import receivers  # noqa: F401  (connects the signal receivers)
