"""Checkout endpoints: shipping quotes for the current cart, and placing the order to get the payment URL.

The cart is the caller's: the logged-in user's, or the one of the session cookie (as on the site).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django_countries.serializer_fields import CountryField
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fulfillment.services.stock import InsufficientStock
from marketplace.api_errors import DomainError, error_response
from shop import selectors
from shop.checkout.forms import check_region, normalise_postal_code
from shop.checkout.links import remember_order
from shop.checkout.shortages import describe_shortages
from shop.exchange_rates import MissingExchangeRate
from shop.landed_cost import Destination
from shop.models import Cart
from shop.selectors import CartContents
from shop.services.cart import cart_for_request
from shop.services.checkout import (
    CannotShip,
    EarlierOrderPaid,
    MixedCurrencies,
    ShippingNotOffered,
    TotalChanged,
    cart_charge_quoter,
    check_out,
    total_to_pay,
)
from shop.services.import_charges import CannotQuoteCharges, refusal
from shop.services.orders import EmptyCart, ShippingAddress
from shop.services.payments import PaymentNotStartable
from shop.services.shipping import quote_cart

PRICE = {"max_digits": 12, "decimal_places": 2}
EMPTY_CART_MESSAGE = "Your cart is empty: add something to it before checking out."
MIXED_CURRENCIES_MESSAGE = "Your cart holds items priced in different currencies; check them out separately."


@extend_schema_field(
    {"type": "string", "minLength": 2, "maxLength": 2, "description": "ISO 3166-1 alpha-2 country code, e.g. `US`."}
)
class CountryCodeField(CountryField):
    """A country by its ISO code (documented as a code rather than as an enum of every country)."""


def empty_cart() -> DomainError:
    return DomainError("empty_cart", EMPTY_CART_MESSAGE)


def mixed_currencies() -> DomainError:
    return DomainError("mixed_currencies", MIXED_CURRENCIES_MESSAGE)


def insufficient_stock(error: InsufficientStock) -> DomainError:
    """409 naming each short line: `fields.lines` has one sentence per line, `fields.variant_ids` their ids."""
    sentences = describe_shortages(error)
    return DomainError(
        "insufficient_stock",
        "Some items are no longer available in the quantity you asked for; nothing was ordered or charged. "
        + " ".join(sentences),
        fields={"lines": sentences, "variant_ids": [str(line.variant_id) for line in error.lines]},
        status_code=status.HTTP_409_CONFLICT,
    )


def cannot_ship(error: CannotShip) -> DomainError:
    """409 naming each item that cannot go: `fields.lines` a sentence each, `fields.variant_ids`, `fields.reasons`."""
    problems = error.problems
    return DomainError(
        "cannot_ship",
        "Some items cannot be shipped to this country by this method; nothing was ordered or charged. "
        + " ".join(problem.message for problem in problems),
        fields={
            "lines": [problem.message for problem in problems],
            "variant_ids": [str(problem.variant_id) for problem in problems],
            "reasons": [problem.code for problem in problems],
        },
        status_code=status.HTTP_409_CONFLICT,
    )


def cannot_quote_charges(error: CannotQuoteCharges) -> DomainError:
    """400 when the tax and duty tables cannot quote the country, the state or the cart's currency."""
    return DomainError(
        error.code,
        f"{error.message} Nothing was ordered or charged.",
        fields={error.field: [error.message]},
    )


def total_changed(error: TotalChanged) -> DomainError:
    """409 when the order would not cost the total the shopper confirmed; `fields.total` has the new total."""
    total = f"{error.total:.2f}"
    return DomainError(
        "total_changed",
        f"The total is now {total} {error.currency}, not the {error.expected:.2f} {error.currency} you confirmed; "
        "nothing was ordered or charged. Show the new total, then check out again with it as `expected_total`.",
        fields={"total": [total]},
        status_code=status.HTTP_409_CONFLICT,
    )


def payment_not_started(error: PaymentNotStartable) -> DomainError:
    """502 when Stripe did not answer (the order is saved: pay it again later), 409 when the order cannot be paid."""
    if error.code == "payment_unavailable":
        return DomainError(error.code, f"{error.message} Nothing was charged.", status_code=status.HTTP_502_BAD_GATEWAY)
    return DomainError(error.code, f"{error.message} Nothing was charged.", status_code=status.HTTP_409_CONFLICT)


def current_cart(request: Request) -> tuple[Cart, CartContents]:
    """The caller's cart and its lines; 400 when it is empty or mixes currencies."""
    cart = cart_for_request(request)
    contents = selectors.cart_contents(cart=cart)
    if not contents.lines:
        raise empty_cart()
    if contents.currency is None:
        raise mixed_currencies()
    return cart, contents


class AddressSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100)
    region = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="State or province; needed for US, CA, AU.",
    )
    postal_code = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="Checked against the country's format where known (US, CA, GB, DE, FR, AU, NL, JP, IN) and "
        "normalised (e.g. `sw1a1aa` -> `SW1A 1AA`).",
    )
    country = CountryCodeField()
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")

    def validate(self, data: dict) -> dict:
        errors = {}
        try:
            data["postal_code"] = normalise_postal_code(country=data["country"], postal_code=data["postal_code"])
        except DjangoValidationError as error:
            errors["postal_code"] = error.messages
        try:
            check_region(country=data["country"], region=data["region"])
        except DjangoValidationError as error:
            errors["region"] = error.messages
        if errors:
            raise serializers.ValidationError(errors)
        return data


class QuoteRequestSerializer(serializers.Serializer):
    country = CountryCodeField()
    region = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="State or province: a US state's sales tax depends on it.",
    )
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")

    def validate(self, data: dict) -> dict:
        if data["postal_code"]:
            try:
                data["postal_code"] = normalise_postal_code(country=data["country"], postal_code=data["postal_code"])
            except DjangoValidationError as error:
                raise serializers.ValidationError({"postal_code": error.messages}) from error
        return data


class ShippingOptionSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Send as `shipping_method` to check out.")
    name = serializers.CharField()
    amount = serializers.DecimalField(**PRICE)
    currency = serializers.CharField()
    days_min = serializers.IntegerField()
    days_max = serializers.IntegerField()
    tax = serializers.DecimalField(**PRICE, help_text="Tax charged at sale with this method (shipping may be taxed).")
    duties = serializers.DecimalField(**PRICE, help_text="Import duties charged at sale with this method.")
    import_charges_due_at_door = serializers.DecimalField(
        **PRICE, help_text="DAP: the estimate the carrier will ask on delivery (not charged); 0.00 otherwise."
    )
    incoterm = serializers.CharField(
        help_text="`DDP` (import charges included), `DAP` (to pay on delivery), or empty for a domestic order."
    )
    total = serializers.DecimalField(
        **PRICE, help_text="What checking out with this method costs: send it as `expected_total`."
    )


class QuoteSerializer(serializers.Serializer):
    country = serializers.CharField()
    currency = serializers.CharField()
    subtotal = serializers.DecimalField(**PRICE)
    tax = serializers.DecimalField(**PRICE, help_text="Tax charged at sale with the first (cheapest) option.")
    duties = serializers.DecimalField(**PRICE, help_text="Import duties charged at sale with the first option.")
    incoterm = serializers.CharField(help_text="`DDP`, `DAP`, or empty for a domestic order.")
    import_charges_due_at_door = serializers.DecimalField(
        **PRICE, help_text="DAP: the estimate to pay on delivery with the first option (not charged)."
    )
    options = ShippingOptionSerializer(many=True, help_text="Cheapest first, each with its own tax, duties and total.")


class CheckoutRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(
        required=False, help_text="Required for guests; a logged-in user's account email is used."
    )
    address = AddressSerializer()
    shipping_method = serializers.CharField(max_length=40, help_text="A `code` from the quote for this country.")
    expected_total = serializers.DecimalField(
        **PRICE,
        min_value=0,
        required=False,
        help_text="The total the shopper was shown and confirmed: the chosen option's `total` in the quote "
        "(subtotal, shipping, and the tax and duties charged at sale). When the order would cost anything else "
        "(another method or country, a price changed since the quote), nothing is ordered or charged and the "
        "answer is 409 `total_changed` with the new total. Send it whenever a person confirms a total; "
        "without it the current total is charged.",
    )

    def validate_email(self, value: str) -> str:
        return value.strip()


class CheckoutResultSerializer(serializers.Serializer):
    order_number = serializers.CharField()
    payment_url = serializers.URLField(help_text="Send the shopper here to pay (Stripe Checkout).")
    total = serializers.DecimalField(**PRICE)
    currency = serializers.CharField()


@extend_schema(
    tags=["checkout"],
    summary="Quote shipping for the cart",
    request=QuoteRequestSerializer,
    responses={
        200: QuoteSerializer,
        400: error_response(
            "Empty cart (`empty_cart`), mixed currencies (`mixed_currencies`), or an unknown country or bad "
            "postal code (`invalid`); import charges that cannot be quoted: `no_landed_cost_rules` (no tables for "
            "the country or state), `region_required` (taxes depend on the state), `missing_exchange_rate` (the "
            "cart's currency cannot be converted)."
        ),
    },
    examples=[OpenApiExample("To Canada", value={"country": "CA", "postal_code": "K1A 0B1"}, request_only=True)],
)
class CheckoutQuoteView(APIView):
    """Shipping options to a country for the current cart, with its subtotal and tax."""

    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    def post(self, request: Request) -> Response:
        params = QuoteRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        cart, contents = current_cart(request)
        country, region = params.validated_data["country"], params.validated_data["region"]
        try:
            options = quote_cart(contents, country=country, postal_code=params.validated_data["postal_code"])
        except MissingExchangeRate as error:
            raise cannot_quote_charges(
                refusal(error, destination=Destination(country, region), currency=contents.currency)
            ) from error
        try:
            quoter = cart_charge_quoter(cart=cart, country=country, region=region)
            priced = []
            for option in options:
                charges = quoter.for_shipping(option.amount)
                priced.append(
                    {
                        **vars(option),
                        "tax": charges.tax_total,
                        "duties": charges.duty_total,
                        "import_charges_due_at_door": charges.due_at_door,
                        "incoterm": charges.incoterm,
                        "total": total_to_pay(subtotal=contents.subtotal, shipping=option, charges=charges),
                    }
                )
        except CannotQuoteCharges as error:
            raise cannot_quote_charges(error) from error
        first = priced[0] if priced else {}
        body = {
            "country": country,
            "currency": contents.currency,
            "subtotal": contents.subtotal,
            "tax": first.get("tax", "0.00"),
            "duties": first.get("duties", "0.00"),
            "incoterm": first.get("incoterm", ""),
            "import_charges_due_at_door": first.get("import_charges_due_at_door", "0.00"),
            "options": priced,
        }
        return Response(QuoteSerializer(body).data)


@extend_schema(
    tags=["checkout"],
    summary="Place the order and start paying",
    request=CheckoutRequestSerializer,
    responses={
        201: CheckoutResultSerializer,
        400: error_response("Empty cart (`empty_cart`) or invalid email, address, postal code or method (`invalid`)."),
        409: error_response(
            "`insufficient_stock`: some lines are short; `fields.lines` names each, and nothing was ordered. "
            "`cannot_ship`: some items cannot go to the address's country by `shipping_method`; `fields.lines` "
            "names each, `fields.reasons` says why (`missing_customs_data`: its seller has not given the customs "
            "data to cross the border; `restricted_item`: the carriers of this method refuse it, e.g. an aerosol "
            "by air), `fields.variant_ids` which; nothing was ordered or charged. "
            "`total_changed`: the order would not cost `expected_total` (another method or country, or a price "
            "changed); `fields.total` has the new total, and nothing was ordered or charged. "
            "`already_paid`: an earlier order of this cart was paid meanwhile."
        ),
        502: error_response(
            "`payment_unavailable`: Stripe did not answer; the order is saved, unpaid: "
            "POST /api/v1/orders/{number}/payment/ for a new payment URL."
        ),
    },
    examples=[
        OpenApiExample(
            "Guest, to the US",
            value={
                "email": "ada@example.com",
                "address": {
                    "name": "Ada Shopper",
                    "line1": "1 Main St",
                    "city": "Springfield",
                    "region": "IL",
                    "postal_code": "62701",
                    "country": "US",
                },
                "shipping_method": "standard",
                "expected_total": "29.99",
            },
            request_only=True,
        )
    ],
)
class CheckoutView(APIView):
    """Turn the cart into an order awaiting payment (its stock reserved) and answer the payment page's URL."""

    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    def post(self, request: Request) -> Response:
        params = CheckoutRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        user = request.user if request.user.is_authenticated else None
        email = user.email if user is not None and user.email else data.get("email")
        if not email:
            raise serializers.ValidationError({"email": ["An email is required to check out as a guest."]})
        cart = cart_for_request(request)
        if cart is None:
            raise empty_cart()
        try:
            result = check_out(
                cart=cart,
                email=email,
                address=ShippingAddress(**data["address"]),
                shipping_code=data["shipping_method"],
                expected_total=data.get("expected_total"),
                user=user,
            )
        except EmptyCart as error:
            raise empty_cart() from error
        except MixedCurrencies as error:
            raise mixed_currencies() from error
        except ShippingNotOffered as error:
            raise serializers.ValidationError({"shipping_method": [str(error)]}) from error
        except EarlierOrderPaid as error:
            raise DomainError(
                "already_paid",
                f"Your payment for order {error.order.number} went through meanwhile, so nothing more was ordered.",
                status_code=status.HTTP_409_CONFLICT,
            ) from error
        except CannotShip as error:
            raise cannot_ship(error) from error
        except CannotQuoteCharges as error:
            raise cannot_quote_charges(error) from error
        except TotalChanged as error:
            raise total_changed(error) from error
        except InsufficientStock as error:
            raise insufficient_stock(error) from error
        order = result.order
        remember_order(request, order)
        if result.payment_error is not None:
            raise payment_not_started(result.payment_error)
        return Response(
            CheckoutResultSerializer(
                {
                    "order_number": order.number,
                    "payment_url": result.payment.checkout_url,
                    "total": order.total,
                    "currency": order.currency,
                }
            ).data,
            status=status.HTTP_201_CREATED,
        )
