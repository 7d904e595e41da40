"""Facts the shop tells in the transaction of the change, for what must agree with it on the very next read.

The outbox (`shop/events.py`) hands facts to handlers after commit, on a worker: right for work, but a page
that keys cached HTML on a stored version must see the version move with the change itself. A receiver of
these signals runs inside the sender's transaction, so it must be quick and must not call out of the database.
"""

from collections.abc import Iterable

from django.dispatch import Signal

# product_ids: what a product shows beside a creator's video changed (title, slug, status or seller, a
# variant's price, currency, order or activity, its images or their renditions, its rating).
product_shown_changed = Signal()


def announce_product_shown_changed(*, product_ids: Iterable[int]) -> None:
    """Tell the receivers (creators' post bodies, the product lists' version) that these products show something new."""
    product_shown_changed.send(sender=None, product_ids=sorted(set(product_ids)))
