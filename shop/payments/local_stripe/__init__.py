"""A local Stripe stand-in for development and tests (never used with a live key).

The real `stripe` SDK talks to it through `LocalStripeHTTPClient` (http_client.py); objects live in
the database as Stripe-shaped JSON (`LocalStripeObject`), payments happen on a hosted test page
(views.py) and events reach our webhook endpoint over HTTP, signed, from a Celery task (tasks.py).
"""
