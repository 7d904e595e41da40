"""Shapes of the catalog API: serializers validate input and render output; writes go through services."""

from decimal import Decimal

from django.core.files.storage import default_storage
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fulfillment.models import Hazard
from marketplace.api_fields import CountryCodeField, IdRelatedField
from marketplace.fragments import cached_items, fragment_key
from shop import selectors
from shop.customs import CUSTOMS_FIELDS, missing_customs_fields
from shop.models import Category, Product, ProductImage, Seller, SellerCustomsProfile, Variant
from shop.selectors import CardVersion
from shop.services.customs import CUSTOMS_PROFILE_FIELDS
from shop.sorting import sort_choices
from shop.validators import (
    HS_CODE_HELP,
    normalise_hs_code,
    normalise_tax_id,
    validate_customs_description,
    validate_eori,
    validate_hs_code,
    validate_ioss,
    validate_vat_number,
)

MAX_STOCK_QUANTITY = 2_147_483_647  # the largest value an IntegerField holds on every database
PRICE = {"max_digits": 12, "decimal_places": 2}


def _absolute_url(context: dict, name: str) -> str:
    url = default_storage.url(name)
    request = context.get("request")
    if request is None or "://" in url:
        return url
    if "origin" not in context:  # built once per response: a list has hundreds of image URLs
        context["origin"] = request.build_absolute_uri("/").rstrip("/")
    return context["origin"] + url


# ---------------------------------------------------------------- shared pieces


class SellerSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Seller
        fields = ["name", "slug"]


class CategorySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug"]


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="Slug of the parent, or null."
    )

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "parent", "position"]


class ProductImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The uploaded original.")
    renditions = serializers.SerializerMethodField(
        help_text='Resized copies: format ("webp", "jpeg") -> width in pixels -> URL; empty until they are made.'
    )

    class Meta:
        model = ProductImage
        fields = ["id", "url", "alt_text", "width", "height", "position", "renditions"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, image: ProductImage) -> str:
        return _absolute_url(self.context, image.image.name)

    @extend_schema_field(
        {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": {"type": "string"}}}
    )
    def get_renditions(self, image: ProductImage) -> dict[str, dict[str, str]]:
        return _rendition_urls(self.context, image)


def _rendition_urls(context: dict, image: ProductImage) -> dict[str, dict[str, str]]:
    return {
        image_format: {
            width: _absolute_url(context, name) for width, name in sorted(widths.items(), key=lambda item: int(item[0]))
        }
        for image_format, widths in (image.renditions or {}).items()
    }


def image_item(image: ProductImage, context: dict) -> dict:
    """`ProductImageSerializer(image).data` without building a serializer per image (a list has one per item)."""
    return {
        "id": image.pk,
        "url": _absolute_url(context, image.image.name),
        "alt_text": image.alt_text,
        "width": image.width,
        "height": image.height,
        "position": image.position,
        "renditions": _rendition_urls(context, image),
    }


class ProductImageUploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="A JPEG, PNG, WebP or GIF picture.")
    alt_text = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Describes the picture; the title when empty."
    )


# ---------------------------------------------------------------- public catalog


class ProductFilterSerializer(serializers.Serializer):
    """Query parameters of the public product list."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="Words to search for.")
    sort = serializers.ChoiceField(
        choices=sort_choices(searching=True),
        required=False,
        help_text="The order: `relevance` (the default when searching), `newest` (else the default), `price_low`, "
        "`price_high` (lowest variant price), `best_selling` (units on paid orders, less refunds) or `rating` "
        "(the best average of shown reviews first, unrated last).",
    )
    category = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.all(),
        required=False,
        error_messages={"does_not_exist": "No category has the slug {value}."},
        help_text="Category slug; products of its sub-categories are included.",
    )
    seller = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Seller.objects.all(),
        required=False,
        error_messages={"does_not_exist": "No seller has the slug {value}."},
        help_text="Seller slug.",
    )
    min_price = serializers.DecimalField(
        **PRICE, min_value=Decimal("0"), required=False, help_text="Lowest variant price at least this."
    )
    max_price = serializers.DecimalField(
        **PRICE, min_value=Decimal("0"), required=False, help_text="Lowest variant price at most this."
    )

    def validate(self, attrs: dict) -> dict:
        low, high = attrs.get("min_price"), attrs.get("max_price")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"max_price": ["Must not be below min_price."]})
        return attrs


class PublicVariantSerializer(serializers.ModelSerializer):
    available = serializers.IntegerField(read_only=True, help_text="Units that can be bought now.")
    in_stock = serializers.SerializerMethodField()

    class Meta:
        model = Variant
        fields = [
            "id",
            "sku",
            "name",
            "label",
            "option_values",
            "price",
            "currency",
            "compare_at_price",
            "available",
            "in_stock",
        ]

    def get_in_stock(self, variant: Variant) -> bool:
        return variant.available > 0


class ProductCardSerializer(serializers.ModelSerializer):
    """A product in a list: what a product card shows."""

    seller = SellerSummarySerializer(read_only=True)
    category = CategorySummarySerializer(read_only=True, allow_null=True)
    min_price = serializers.DecimalField(
        **PRICE, read_only=True, allow_null=True, help_text="Lowest price of its active variants."
    )
    currency = serializers.CharField(read_only=True, allow_null=True)
    available = serializers.IntegerField(read_only=True, help_text="Units of all its variants that can be bought now.")
    image = serializers.SerializerMethodField(help_text="The first image, or null.")

    class Meta:
        model = Product
        fields = ["id", "slug", "title", "seller", "category", "min_price", "currency", "available", "image"]

    @extend_schema_field(ProductImageSerializer(allow_null=True))
    def get_image(self, product: Product) -> dict | None:
        image = product.first_image  # loaded by selectors.products_for_cards
        return image_item(image, self.context) if image is not None else None


def product_card_items(cards: list[CardVersion], *, context: dict) -> list[dict]:
    """Each product's `ProductCardSerializer` data, in the order given, shared through the fragment cache.

    Keyed on what the item shows (`CardVersion`) and the origin of its absolute image URLs; only the
    missing are loaded (2 queries) and serialized.
    """
    request = context.get("request")
    origin = request.build_absolute_uri("/") if request is not None else ""
    keys = {
        card.product_id: fragment_key("api-product-card", (origin, card.product_id, *card.version)) for card in cards
    }

    def build(missing: list[int]) -> dict[int, dict | None]:
        wanted = set(missing)
        products = selectors.products_for_cards(cards=[card for card in cards if card.product_id in wanted])
        serializer = ProductCardSerializer(context=context)  # its fields built once for the lot
        # A product deleted since the list was read: no item (its key is never asked for again).
        return {pk: serializer.to_representation(products[pk]) if pk in products else None for pk in missing}

    items = cached_items(keys, build)
    return [items[card.product_id] for card in cards if items[card.product_id] is not None]


class ProductDetailSerializer(serializers.ModelSerializer):
    """A product page: its active variants with availability, and its images."""

    seller = SellerSummarySerializer(read_only=True)
    category = CategorySummarySerializer(read_only=True, allow_null=True)
    variants = PublicVariantSerializer(source="active_variants", many=True, read_only=True)
    images = ProductImageSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = ["id", "slug", "title", "description", "seller", "category", "variants", "images"]


# ---------------------------------------------------------------- seller


class HSCodeField(serializers.CharField):
    """An HS code as people type it ("6109.10"), kept as digits; checked after the dots and spaces are dropped."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("validators", [validate_hs_code])
        super().__init__(**kwargs)

    def to_internal_value(self, data: object) -> str:
        return normalise_hs_code(super().to_internal_value(data))


class TaxIdField(serializers.CharField):
    """An EORI, VAT or IOSS number; spaces, dots and dashes dropped and capitals kept before it is checked."""

    def to_internal_value(self, data: object) -> str:
        return normalise_tax_id(super().to_internal_value(data))


CUSTOMS_FIELD_NAMES = list(CUSTOMS_FIELDS)


class SellerVariantSerializer(serializers.ModelSerializer):
    """A variant as its seller sees and edits it; its customs fields are overrides of the product's (blank: the
    product's)."""

    available = serializers.IntegerField(read_only=True, help_text="Free units over active warehouses.")
    hs_code = HSCodeField(help_text=f"Empty: the product's. {HS_CODE_HELP}")
    country_of_origin = CountryCodeField(required=False, allow_blank=True, help_text="Empty: the product's.")
    customs_description = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        validators=[validate_customs_description],
        help_text="What it is, for customs (“Cotton T-shirt”, never “Gift”); empty: the product's.",
    )
    missing_customs_fields = serializers.SerializerMethodField(
        help_text="Customs fields neither the variant nor its product gives; while any is missing it is sold only "
        "in the countries it ships from."
    )

    class Meta:
        model = Variant
        fields = [
            "id",
            "product",
            "sku",
            "name",
            "label",
            "option_values",
            "price",
            "currency",
            "compare_at_price",
            "gtin",
            "is_active",
            "position",
            "hs_code",
            "country_of_origin",
            "customs_description",
            "net_weight_grams",
            "missing_customs_fields",
            "available",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "product", "label", "available", "created_at", "updated_at"]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=CUSTOMS_FIELD_NAMES)))
    def get_missing_customs_fields(self, variant: Variant) -> list[str]:
        return missing_customs_fields(variant)

    def validate_option_values(self, value: object) -> dict[str, str]:
        if not isinstance(value, dict):
            raise serializers.ValidationError('Must be an object of option name -> value, e.g. {"size": "M"}.')
        if not all(isinstance(key, str) and key.strip() and isinstance(item, str) for key, item in value.items()):
            raise serializers.ValidationError("Option names and values must be non-empty names and text.")
        return value


class SellerProductSerializer(serializers.ModelSerializer):
    """A product as its seller sees and edits it; variants and images have their own endpoints."""

    country_of_origin = CountryCodeField(required=False, allow_blank=True, help_text="Where it was made (ISO code).")
    hs_code = HSCodeField(help_text=HS_CODE_HELP)
    customs_description = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        validators=[validate_customs_description],
        help_text="What it is, for customs: “Cotton T-shirt”, never “Gift” or “Merchandise”.",
    )
    hazards = serializers.ListField(
        child=serializers.ChoiceField(choices=Hazard.choices),
        required=False,
        help_text="What carriers restrict (some cannot fly, so cannot go abroad); see the shipping restrictions.",
    )
    category = IdRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True, help_text="Category id (see /categories/)."
    )
    min_price = serializers.DecimalField(**PRICE, read_only=True, allow_null=True)
    currency = serializers.CharField(read_only=True, allow_null=True)
    available = serializers.IntegerField(read_only=True)
    variants = SellerVariantSerializer(source="all_variants", many=True, read_only=True)
    images = ProductImageSerializer(many=True, read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "slug",
            "title",
            "description",
            "category",
            "status",
            "is_featured",
            "affiliate_commission_rate",
            "hs_code",
            "country_of_origin",
            "customs_description",
            "weight_grams",
            "net_weight_grams",
            "length_mm",
            "width_mm",
            "height_mm",
            "hazards",
            "has_customs_data",
            "min_price",
            "currency",
            "available",
            "variants",
            "images",
            "created_at",
            "updated_at",
        ]
        # Featuring on the home page is the marketplace's choice, not the seller's.
        read_only_fields = ["id", "slug", "is_featured", "has_customs_data", "created_at", "updated_at"]
        extra_kwargs = {"has_customs_data": {"help_text": "The product alone gives all its customs data."}}

    def validate_hazards(self, value: list[str]) -> list[str]:
        return sorted(set(value))


class SellerCustomsProfileSerializer(serializers.ModelSerializer):
    """The exporter on the seller's customs declarations, and their tax numbers where registered."""

    country = CountryCodeField(help_text="ISO code of the country the exporter is established in.")
    eori_number = TaxIdField(
        max_length=17,
        required=False,
        allow_blank=True,
        validators=[validate_eori],
        help_text="2-letter country code and up to 15 letters or digits, e.g. DE123456789012345.",
    )
    vat_number = TaxIdField(max_length=20, required=False, allow_blank=True, validators=[validate_vat_number])
    ioss_number = TaxIdField(
        max_length=12,
        required=False,
        allow_blank=True,
        validators=[validate_ioss],
        help_text="IM and 10 digits, e.g. IM2760000742.",
    )

    class Meta:
        model = SellerCustomsProfile
        fields = [*CUSTOMS_PROFILE_FIELDS, "updated_at"]
        read_only_fields = ["updated_at"]


class StockLevelSerializer(serializers.Serializer):
    warehouse = serializers.CharField(source="warehouse.code", help_text="Warehouse code.")
    warehouse_name = serializers.CharField(source="warehouse.name")
    quantity = serializers.IntegerField(help_text="Units on hand.")
    quantity_allocated = serializers.IntegerField(help_text="Units promised to paid orders.")
    quantity_free = serializers.IntegerField()
    bin_location = serializers.CharField()
    updated_at = serializers.DateTimeField(allow_null=True, help_text="Null where nothing was ever stocked.")
    counted_by = serializers.ChoiceField(
        source="warehouse.operator",
        choices=[("network", "Our staff, as your inbound shipments are received"), ("seller", "You")],
        help_text="Who sets the on-hand count here: `network` (ours: announce inbound shipments) or `seller` (yours).",
    )


class StockUpdateSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=0, max_value=MAX_STOCK_QUANTITY, help_text="Units on hand.")
    bin_location = serializers.CharField(
        max_length=32, required=False, allow_blank=True, help_text="Shelf or bin; unchanged when left out."
    )


class SellerProductFilterSerializer(serializers.Serializer):
    """Query parameters of the seller's product list."""

    status = serializers.ChoiceField(choices=Product.Status.choices, required=False, help_text="Only this status.")
