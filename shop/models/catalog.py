"""Catalog data and its invariants: sellers, categories, products, variants, images."""

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django_countries.fields import CountryField

from shop.currencies import validate_currency
from shop.models.fields import HazardsField, HSCodeField
from shop.validators import HS_CODE_HELP, validate_customs_description, validate_gtin

# How option values read in a variant's label: "Red / M", then any other option alphabetically.
OPTION_ORDER = {"colour": 0, "color": 0, "size": 1}


class Rated(models.Model):
    """The stored rating of what is reviewed: counts and sums of shown reviews, kept by the reviews service."""

    rating_count = models.PositiveIntegerField(default=0, editable=False)
    rating_total = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        abstract = True

    @property
    def rating_average(self) -> Decimal | None:
        """The average of shown reviews' stars to one decimal (4.3), or None before any."""
        if not self.rating_count:
            return None
        return (Decimal(self.rating_total) / self.rating_count).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class Seller(Rated):
    """A brand or store that lists products."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True)
    logo = models.ImageField(upload_to="sellers/logos/%Y/%m/", blank=True)
    country = CountryField()
    support_email = models.EmailField()
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="SellerMember", related_name="sellers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("seller-storefront", kwargs={"slug": self.slug})


class SellerMember(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        STAFF = "staff", "Staff"

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seller_memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["seller", "user"], name="seller_member_unique")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) at {self.seller}"


class Category(models.Model):
    """A node of the category tree."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=100, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("category", kwargs={"slug": self.slug})


class ProductQuerySet(models.QuerySet):
    def active(self) -> "ProductQuerySet":
        return self.filter(status=Product.Status.ACTIVE, seller__isnull=False)

    def for_seller(self, seller: Seller) -> "ProductQuerySet":
        return self.filter(seller=seller)


class Product(Rated):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="products")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    is_featured = models.BooleanField(default=False)
    final_sale = models.BooleanField(
        default=False, help_text="Cannot be returned (e.g. hygiene products, personalised items); said on the page."
    )
    affiliate_commission_rate = models.DecimalField(
        "affiliate commission rate (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("80"))],
        help_text="Share of the sale, 0 to 80 %, that a creator who sells this product earns.",
    )
    # Customs: without them (on the product or its variant) it cannot be sold to another country
    # (shop.customs), and a fulfillment order that still lacks them is held.
    hs_code = HSCodeField("HS code", blank=True)
    country_of_origin = CountryField(blank=True, help_text="Where it was made (ISO country).")
    customs_description = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_customs_description],
        help_text="What it is, for customs: “Cotton T-shirt”, never “Gift” or “Merchandise”.",
    )
    weight_grams = models.PositiveIntegerField(default=0)
    net_weight_grams = models.PositiveIntegerField(
        "net weight (grams)",
        null=True,
        blank=True,
        help_text="The goods alone, without packing, for customs. Empty: the packed weight is declared.",
    )
    hazards = HazardsField(help_text="What carriers restrict: some cannot fly, some destinations refuse them.")
    length_mm = models.PositiveIntegerField(default=0)
    width_mm = models.PositiveIntegerField(default=0)
    height_mm = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"]), models.Index(fields=["seller", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(affiliate_commission_rate__gte=0) & Q(affiliate_commission_rate__lte=80),
                name="product_commission_rate_0_80",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("product", kwargs={"slug": self.slug})

    @property
    def has_customs_data(self) -> bool:
        """The product alone gives everything customs need (its variants may still override some)."""
        return bool(
            self.hs_code
            and self.country_of_origin
            and self.customs_description
            and (self.net_weight_grams or self.weight_grams)
        )


class Variant(models.Model):
    """A purchasable version of a product (a size, a colour) with its own SKU and price."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField("SKU", max_length=64, unique=True)
    name = models.CharField(max_length=120, blank=True, help_text="Shown in the picker, e.g. 'Red / M'.")
    option_values = models.JSONField(default=dict, blank=True, help_text='For example {"size": "M", "colour": "Red"}.')
    price = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency])
    compare_at_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    gtin = models.CharField("GTIN", max_length=14, blank=True, validators=[validate_gtin])
    # Customs data of this variant where it differs from the product's; blank: the product's (shop.customs).
    hs_code = HSCodeField("HS code", blank=True, help_text=f"Empty: the product's. {HS_CODE_HELP}")
    country_of_origin = CountryField(blank=True, help_text="Where it was made; empty: the product's.")
    customs_description = models.CharField(
        max_length=200,
        blank=True,
        validators=[validate_customs_description],
        help_text="What it is, for customs; empty: the product's.",
    )
    net_weight_grams = models.PositiveIntegerField(
        "net weight (grams)", null=True, blank=True, help_text="The goods alone, for customs; empty: the product's."
    )
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="variant_price_positive"),
            models.CheckConstraint(
                condition=Q(compare_at_price__isnull=True) | Q(compare_at_price__gt=0),
                name="variant_compare_at_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.title} - {self.label}" if self.label else self.product.title

    @property
    def label(self) -> str:
        """The name, or the option values in a fixed order (PostgreSQL's jsonb does not keep key order)."""
        if self.name:
            return self.name
        keys = sorted(self.option_values, key=lambda key: (OPTION_ORDER.get(key, len(OPTION_ORDER)), key))
        return " / ".join(str(self.option_values[key]) for key in keys)


def product_image_path(instance: "ProductImage", filename: str) -> str:
    return f"products/{instance.product_id}/{filename}"


class ProductImage(models.Model):
    """An image of a product; `renditions` maps format -> width -> storage name, filled by a task."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=product_image_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    alt_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    renditions = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"Image {self.position} of {self.product_id}"
