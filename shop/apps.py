from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "shop"

    def ready(self) -> None:
        from shop import catalog_versions, receivers, reference_data  # noqa: F401  (connects the signal receivers)
