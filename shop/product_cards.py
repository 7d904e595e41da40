"""Product cards of the list pages (home, category, search, storefront), shared through the fragment cache.

A card is the same for every visitor, so its HTML is kept under a key of what it shows (`CardVersion`):
a page reads its products' ids and versions in one light query, takes the cards it finds from the cache
and renders only the others, from one query for them and one for their first images.
"""

from django.template.loader import get_template
from django.utils.safestring import SafeString

from marketplace.fragments import cached_fragments, fragment_key
from shop import selectors
from shop.selectors import CardVersion

CARD_TEMPLATE = "includes/product_card.html"


def card_key(card: CardVersion) -> str:
    return fragment_key("product-card", (card.product_id, *card.version))


def product_cards(cards: list[CardVersion]) -> list[SafeString]:
    """The HTML of each card, in the order given."""

    def render(missing: list[int]) -> dict[int, str]:
        template = get_template(CARD_TEMPLATE)
        wanted = set(missing)
        products = selectors.products_for_cards(cards=[card for card in cards if card.product_id in wanted])
        # A product deleted since the list was read: no card (its key is never asked for again).
        return {pk: template.render({"product": products[pk]}) if pk in products else "" for pk in missing}

    html = cached_fragments({card.product_id: card_key(card) for card in cards}, render)
    return [html[card.product_id] for card in cards]
