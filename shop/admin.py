"""Staff admin for the catalog: sellers and their members, categories, products, variants, images.

Products and variants are checked and saved through `shop.services.catalog`, under the rules the
seller dashboard and API follow (one currency per product); images go through `shop.services.images`
(checked by content, renditions queued); stock is shown read-only and changed through the
fulfillment admin's "set stock count" page.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Count, Prefetch, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.html import format_html

from fulfillment.admin import VariantStockInline, set_stock_url
from fulfillment.selectors import available_quantity
from marketplace.forms import add_service_errors
from shop.admin_writes import ServiceWritesAdmin, adopt
from shop.models import Category, Product, ProductImage, Seller, SellerCustomsProfile, SellerMember, Variant
from shop.services import catalog
from shop.services.customs import CUSTOMS_PROFILE_FIELDS, save_customs_profile
from shop.services.images import add_product_image, check_image, delete_product_image, request_renditions
from shop.signals import announce_product_shown_changed

THUMBNAIL_WIDTH = 64


def thumbnail(image: ProductImage | None, width: int = THUMBNAIL_WIDTH) -> str:
    """A small <img> of the image, from its smallest rendition when it has one."""
    if image is None or not image.image:
        return "-"
    jpeg = image.renditions.get("jpeg") or {}
    name = jpeg[min(jpeg, key=int)] if jpeg else image.image.name
    height = round(width * image.height / image.width) if image.width and image.height else width
    return format_html(
        '<img src="{}" width="{}" height="{}" alt="{}" loading="lazy">',
        default_storage.url(name),
        width,
        height,
        image.alt_text,
    )


# --- sellers --------------------------------------------------------------------------------------


class SellerMemberInline(admin.TabularInline):
    model = SellerMember
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[SellerMember]:
        return super().get_queryset(request).select_related("user")


class SellerCustomsProfileInline(admin.StackedInline):
    """The exporter on the seller's customs declarations; saved through the customs profile service."""

    model = SellerCustomsProfile
    fields = (*CUSTOMS_PROFILE_FIELDS, "updated_at")
    readonly_fields = ("updated_at",)
    max_num = 1
    can_delete = False
    verbose_name_plural = "customs profile (exporter on customs declarations)"


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "country", "support_email", "product_count", "created_at")
    search_fields = ("name", "slug", "support_email")
    list_filter = ("country",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)
    inlines = (SellerMemberInline, SellerCustomsProfileInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Seller]:
        # A GROUP BY drops Meta.ordering: order explicitly (autocomplete pages through this too).
        return super().get_queryset(request).annotate(product_total=Count("products")).order_by("name", "pk")

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is not SellerCustomsProfile:
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)  # sorts the rows into new and changed (the change message lists them)
        for profile in [*formset.new_objects, *(changed for changed, _fields in formset.changed_objects)]:
            data = {name: getattr(profile, name) for name in CUSTOMS_PROFILE_FIELDS}
            adopt(profile, save_customs_profile(seller=form.instance, data=data))

    @admin.display(description="products", ordering="product_total")
    def product_count(self, seller: Seller) -> int:
        return seller.product_total


@admin.register(SellerMember)
class SellerMemberAdmin(admin.ModelAdmin):
    list_display = ("user", "seller", "role", "created_at")
    list_select_related = ("user", "seller")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "seller__name")
    autocomplete_fields = ("seller", "user")
    readonly_fields = ("created_at",)


# --- categories -----------------------------------------------------------------------------------


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "slug", "position", "product_count")
    list_editable = ("position",)
    list_select_related = ("parent",)
    search_fields = ("name", "slug")
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return (
            super().get_queryset(request).annotate(product_total=Count("products")).order_by("position", "name", "pk")
        )

    @admin.display(description="products", ordering="product_total")
    def product_count(self, category: Category) -> int:
        return category.product_total


# --- products -------------------------------------------------------------------------------------


class VariantInlineFormSet(BaseInlineFormSet):
    """A product's variant rows, checked together: one currency across the rows and the stored variants."""

    def clean(self) -> None:
        super().clean()
        currencies = {
            form: form.cleaned_data["currency"]
            for form in self.forms
            if "currency" in getattr(form, "cleaned_data", {}) and not form.cleaned_data.get("DELETE")
        }
        for form, currency in currencies.items():
            if not form.has_changed():
                continue
            try:
                catalog.check_one_currency(
                    product_id=self.instance.pk,
                    currency=currency,
                    variant_id=form.instance.pk,
                    alongside=[other for row, other in currencies.items() if row is not form],
                )
            except ValidationError as error:
                add_service_errors(form, error)


class VariantInline(admin.TabularInline):
    model = Variant
    formset = VariantInlineFormSet
    extra = 0
    show_change_link = True
    # The everyday columns; options and GTIN are on the variant's own page ("Change").
    fields = ("sku", "name", "price", "currency", "compare_at_price", "is_active", "position", "free_stock")
    readonly_fields = ("free_stock",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Variant]:
        return super().get_queryset(request).annotate(available=available_quantity())

    @admin.display(description="free stock")
    def free_stock(self, variant: Variant) -> int | str:
        return getattr(variant, "available", "-")


class StoredImageWidget(forms.Widget):
    """Names an existing image's stored file; that file is not replaced from the product page."""

    def render(self, name, value, attrs=None, renderer=None) -> str:
        return format_html('<span class="help">{}</span>', str(getattr(value, "name", value) or "").rsplit("/", 1)[-1])


class ProductImageForm(forms.ModelForm):
    """A new image is checked by its content; an existing image's file cannot be swapped here."""

    class Meta:
        model = ProductImage
        fields = ("image", "alt_text", "position")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # the preview column shows it; replacing means delete + add
            self.fields["image"].disabled = True
            self.fields["image"].required = False
            self.fields["image"].widget = StoredImageWidget()

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if not self.instance.pk and upload is not None:
            check_image(upload)
        return upload


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 0
    fields = ("preview", "image", "alt_text", "position", "size", "renditions_ready")
    readonly_fields = ("preview", "size", "renditions_ready")
    verbose_name_plural = "images (new images are added last; renditions are made in the background)"

    @admin.display(description="preview")
    def preview(self, image: ProductImage) -> str:
        return thumbnail(image) if image.pk else "-"

    @admin.display(description="pixels")
    def size(self, image: ProductImage) -> str:
        return f"{image.width} x {image.height}" if image.pk else "-"

    @admin.display(description="renditions", boolean=True)
    def renditions_ready(self, image: ProductImage) -> bool | None:
        return bool(image.renditions) if image.pk else None


@admin.register(Product)
class ProductAdmin(ServiceWritesAdmin):
    list_display = (
        "first_image",
        "title",
        "seller",
        "category",
        "status",
        "commission",
        "has_customs_data",
        "is_featured",
        "updated_at",
    )
    list_display_links = ("first_image", "title")
    list_select_related = ("seller", "category")
    list_filter = ("status", "is_featured", "seller", "category")
    search_fields = ("title", "slug", "seller__name", "variants__sku")
    autocomplete_fields = ("seller", "category")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("created_at", "updated_at")
    actions = ("publish", "archive", "feature", "unfeature")
    fieldsets = (
        (None, {"fields": ("seller", "title", "slug", "description", "category", "status", "is_featured")}),
        ("Creators", {"fields": ("affiliate_commission_rate",)}),
        (
            "Customs and shipping",
            {
                "description": "Without an HS code, an origin, a customs description and a weight (here or on the "
                "variant) it is not sold abroad, and an order that still lacks them is held. Saving a change "
                "updates the orders still to ship; release their holds from the work queues.",
                "fields": (
                    "hs_code",
                    "country_of_origin",
                    "customs_description",
                    ("weight_grams", "net_weight_grams"),
                    ("length_mm", "width_mm", "height_mm"),
                    "hazards",
                ),
            },
        ),
        ("History", {"fields": ("created_at", "updated_at")}),
    )
    inlines = (VariantInline, ProductImageInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        images = ProductImage.objects.order_by("position", "id")
        return super().get_queryset(request).prefetch_related(Prefetch("images", images, to_attr="ordered_images"))

    @admin.display(description="")
    def first_image(self, product: Product) -> str:
        images = getattr(product, "ordered_images", None)
        return thumbnail(images[0], width=48) if images else "-"

    @admin.display(description="commission %", ordering="affiliate_commission_rate")
    def commission(self, product: Product) -> str:
        return f"{product.affiliate_commission_rate.normalize():f}"

    @admin.display(description="customs data", boolean=True)
    def has_customs_data(self, product: Product) -> bool:
        return product.has_customs_data

    def save_model(self, request: HttpRequest, obj: Product, form, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in catalog.STAFF_PRODUCT_FIELDS if name in form.cleaned_data}
        if change:
            catalog.staff_update_product(product=obj, data=data)
        else:
            seller, slug = data.pop("seller"), data.pop("slug")
            adopt(obj, catalog.create_product(seller=seller, slug=slug, data=data))

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is Variant:
            self._save_variants(form.instance, formset)
            return
        if formset.model is not ProductImage:
            super().save_formset(request, form, formset, change)
            return
        # Images go through the image service: new files are checked and their renditions queued.
        formset.save(commit=False)
        for image in formset.deleted_objects:
            delete_product_image(image=image)
        for image, _changed in formset.changed_objects:
            image.save(update_fields=["alt_text", "position"])
        if formset.changed_objects:  # a new order may put another image first beside creators' videos
            announce_product_shown_changed(product_ids=[form.instance.pk])
        for image_form in formset.extra_forms:
            if image_form.has_changed() and not image_form.cleaned_data.get("DELETE"):
                add_product_image(
                    product=form.instance,
                    upload=image_form.cleaned_data["image"],
                    alt_text=image_form.cleaned_data.get("alt_text", ""),
                )

    @staticmethod
    def _save_variants(product: Product, formset: VariantInlineFormSet) -> None:
        """Variant rows go through the catalog service (checked again there: one currency per product)."""
        formset.save(commit=False)  # sorts the rows into new, changed and deleted (the change message lists them)
        for variant in formset.deleted_objects:
            formset.delete_existing(variant)
        if formset.deleted_objects:
            announce_product_shown_changed(product_ids=[product.pk])
        for variant, changed in formset.changed_objects:
            catalog.update_variant(variant=variant, data={name: getattr(variant, name) for name in changed})
        for variant in formset.new_objects:
            data = {name: getattr(variant, name) for name in catalog.VARIANT_FIELDS}
            adopt(variant, catalog.create_variant(product=product, data=data))

    def _each(self, request: HttpRequest, queryset: QuerySet[Product], change, done: str) -> None:
        changed, refused = 0, []
        for product in queryset:
            try:
                change(product)
            except ValidationError as error:
                refused.append(f"{product.title} ({'; '.join(error.messages)})")
            else:
                changed += 1
        if changed:
            self.message_user(request, f"{changed} product(s) {done}.", messages.SUCCESS)
        if refused:
            self.message_user(request, f"Not changed: {', '.join(refused)}", messages.ERROR)

    @admin.action(description="Publish the selected products", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._each(
            request,
            queryset,
            lambda p: catalog.update_product(product=p, data={"status": Product.Status.ACTIVE}),
            "published",
        )

    @admin.action(description="Archive the selected products (take them off sale)", permissions=["change"])
    def archive(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._each(request, queryset, lambda p: catalog.archive_product(product=p), "archived")

    @admin.action(description="Feature the selected products", permissions=["change"])
    def feature(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._each(
            request, queryset, lambda p: catalog.update_product(product=p, data={"is_featured": True}), "featured"
        )

    @admin.action(description="Stop featuring the selected products", permissions=["change"])
    def unfeature(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._each(
            request, queryset, lambda p: catalog.update_product(product=p, data={"is_featured": False}), "unfeatured"
        )


# --- variants -------------------------------------------------------------------------------------


class VariantAdminForm(forms.ModelForm):
    """A variant checked as the catalog service checks it: in its product's one currency."""

    def clean(self) -> dict:
        cleaned = super().clean()
        product = cleaned.get("product") or (self.instance.product if self.instance.product_id else None)
        if product is not None and "currency" in cleaned:
            try:
                catalog.check_one_currency(
                    product_id=product.pk, currency=cleaned["currency"], variant_id=self.instance.pk
                )
            except ValidationError as error:
                add_service_errors(self, error)
        return cleaned


@admin.register(Variant)
class VariantAdmin(ServiceWritesAdmin):
    form = VariantAdminForm
    list_display = ("sku", "product", "label_text", "price", "currency", "compare_at_price", "is_active", "free_stock")
    list_select_related = ("product",)
    list_filter = ("is_active", "currency")
    search_fields = ("sku", "gtin", "product__title")
    autocomplete_fields = ("product",)
    readonly_fields = ("created_at", "updated_at", "stock_tools")
    fieldsets = (
        (None, {"fields": ("product", "sku", "name", "option_values", "position", "is_active")}),
        ("Price", {"fields": ("price", "currency", "compare_at_price")}),
        ("Identifiers", {"fields": ("gtin",)}),
        (
            "Customs (only where this variant differs from its product; empty: the product's)",
            {"fields": ("hs_code", "country_of_origin", "customs_description", "net_weight_grams")},
        ),
        ("Stock", {"fields": ("stock_tools",)}),
        ("History", {"fields": ("created_at", "updated_at")}),
    )
    inlines = (VariantStockInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Variant | None = None) -> tuple[str, ...]:
        # A variant stays with its product (its orders and stock point at it); add one to the other product.
        return ("product", *self.readonly_fields) if obj is not None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Variant, form, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in catalog.VARIANT_FIELDS if name in form.cleaned_data}
        if change:
            catalog.update_variant(variant=obj, data=data)
        else:
            adopt(obj, catalog.create_variant(product=form.cleaned_data["product"], data=data))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Variant]:
        return super().get_queryset(request).select_related("product").annotate(available=available_quantity())

    @admin.display(description="options")
    def label_text(self, variant: Variant) -> str:
        return variant.label

    @admin.display(description="free stock", ordering="available")
    def free_stock(self, variant: Variant) -> int:
        return variant.available

    @admin.display(description="stock count")
    def stock_tools(self, variant: Variant) -> str:
        if variant.pk is None:
            return "Save the variant first, then set its stock."
        return format_html('<a href="{}">Set a stock count for this variant</a>', set_stock_url(variant_id=variant.pk))


# --- images ---------------------------------------------------------------------------------------


@admin.register(ProductImage)
class ProductImageAdmin(admin.ModelAdmin):
    """Images are added on the product's page; here staff fix alt texts, order and renditions."""

    list_display = ("preview", "product", "position", "alt_text", "size", "renditions_ready", "created_at")
    list_display_links = ("preview", "product")
    list_select_related = ("product",)
    search_fields = ("product__title", "alt_text")
    fields = ("product", "preview", "image", "alt_text", "position", "size", "renditions", "created_at")
    readonly_fields = ("product", "preview", "image", "size", "renditions", "created_at")
    actions = ("remake_renditions",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="preview")
    def preview(self, image: ProductImage) -> str:
        return thumbnail(image)

    @admin.display(description="pixels")
    def size(self, image: ProductImage) -> str:
        return f"{image.width} x {image.height}"

    @admin.display(description="renditions", boolean=True)
    def renditions_ready(self, image: ProductImage) -> bool:
        return bool(image.renditions)

    def save_model(self, request: HttpRequest, obj: ProductImage, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        announce_product_shown_changed(product_ids=[obj.product_id])  # its position may make it first

    def delete_model(self, request: HttpRequest, obj: ProductImage) -> None:
        delete_product_image(image=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ProductImage]) -> None:
        for image in queryset:
            delete_product_image(image=image)

    @admin.action(description="Make the renditions of the selected images again", permissions=["change"])
    def remake_renditions(self, request: HttpRequest, queryset: QuerySet[ProductImage]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        request_renditions(image_ids=ids)
        self.message_user(request, f"Queued renditions of {len(ids)} image(s).", messages.SUCCESS)


# Register the order, payment and returns admins, and the duty, tax and exchange-rate tables.
from shop import admin_landed_cost, admin_ledger, admin_orders, admin_returns, admin_reviews  # noqa: E402, F401
