from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "fulfillment"

    def ready(self) -> None:
        from fulfillment import delivery_quotes, receivers  # noqa: F401  (registers the outbox handlers, box versions)
