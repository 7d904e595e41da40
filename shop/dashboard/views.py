"""The seller dashboard: products, variants, images and stock of the seller the user works for; their returns.

Every view is thin: a form parses, a service writes, and a service's ValidationError (or the stock
service's InsufficientStock) comes back as a form error on the page. Every object is reached
through `Product.objects.for_seller(request.seller)`, so another seller's object answers 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_POST

from fulfillment.selectors import stock_levels
from fulfillment.selectors_inbound import seller_stock_warehouses
from fulfillment.services.stock import InsufficientStock
from marketplace.forms import add_service_errors
from shop import selectors
from shop.customs import describe_missing, missing_customs_fields
from shop.dashboard.forms import (
    CustomsProfileForm,
    ImageAltForm,
    ImageMoveForm,
    ImageUploadForm,
    ProductFilterForm,
    ProductForm,
    StockGrid,
    VariantForm,
)
from shop.dashboard.permissions import seller_required, with_seller_image, with_seller_product, with_seller_variant
from shop.models import Product, ProductImage, Variant
from shop.services import catalog, images, stock_counts
from shop.services.customs import save_customs_profile

PAGE_SIZE = 25
STOCK_REFERENCE = "dashboard"


def _edit_url(product: Product, anchor: str = "") -> str:
    url = reverse("dashboard:product-edit", kwargs={"pk": product.pk})
    return f"{url}#{anchor}" if anchor else url


def _image_prefix(image_id: int) -> str:
    return f"image-{image_id}"


def _stock_grid(variants: list[Variant], *, seller_id: int, data: QueryDict | None = None) -> StockGrid:
    """The stock grid of these variants in our fulfillment centres (read-only) and the seller's own (two queries)."""
    warehouses = seller_stock_warehouses(seller_id=seller_id)
    stocks = stock_levels(variant_ids=[v.pk for v in variants], warehouse_ids=[w.pk for w in warehouses])
    editable = {w.pk for w in warehouses if w.counted_by_seller(seller_id)}
    return StockGrid(
        variants=variants, warehouses=warehouses, stocks=stocks, data=data, editable_warehouse_ids=editable
    )


def _render_edit(
    request: HttpRequest,
    product: Product,
    *,
    product_form: ProductForm | None = None,
    upload_form: ImageUploadForm | None = None,
    alt_forms: dict[int, ImageAltForm] | None = None,
    stock_grid: StockGrid | None = None,
) -> HttpResponse:
    """The product page of the dashboard; a rejected form is passed in bound, with its errors."""
    variants = list(product.variants.all())
    for variant in variants:  # what neither the variant nor the product gives: it cannot be sold abroad then
        missing = missing_customs_fields(variant)
        variant.customs_missing = describe_missing(missing) if missing else ""
    product_images = list(product.images.all())
    alt_forms = alt_forms or {}
    context = {
        "product": product,
        "form": product_form or ProductForm(instance=product),
        "variants": variants,
        "stock_grid": stock_grid or _stock_grid(variants, seller_id=product.seller_id),
        "images": [
            {
                "image": image,
                "alt_form": alt_forms.get(image.pk) or ImageAltForm(instance=image, prefix=_image_prefix(image.pk)),
                "first": index == 0,
                "last": index == len(product_images) - 1,
            }
            for index, image in enumerate(product_images)
        ],
        "upload_form": upload_form or ImageUploadForm(),
    }
    return render(request, "dashboard/product_edit.html", context)


# Products


@seller_required
def product_list(request: HttpRequest) -> HttpResponse:
    """The seller's products, newest change first, 25 a page, optionally of one status."""
    filters = ProductFilterForm(request.GET)
    status = filters.cleaned_data["status"] if filters.is_valid() else ""
    products = selectors.seller_dashboard_products(seller=request.seller, status=status)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    query = f"status={status}&" if status else ""
    context = {
        "dash_page": "products",
        "filters": filters,
        "page": page,
        "products": page.object_list,
        "query": query,
        **_customs_holds_summary(selectors.seller_customs_holds(seller=request.seller)),
    }
    return render(request, "dashboard/product_list.html", context)


def _customs_holds_summary(holds: list) -> dict:
    """The dashboard's banner: orders held for the seller's missing customs data, and those fixed since."""
    waiting_for_data = [hold for hold in holds if hold.skus_missing]
    return {
        "customs_held": waiting_for_data,
        "customs_held_skus": sorted({sku for hold in waiting_for_data for sku in hold.skus_missing}),
        "customs_fixed": [hold for hold in holds if not hold.skus_missing],
    }


@seller_required
def product_create(request: HttpRequest) -> HttpResponse:
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = catalog.create_product(seller=request.seller, data=form.service_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"“{product.title}” was created. Add its variants, stock and pictures below.")
            return redirect(_edit_url(product))
    return render(request, "dashboard/product_form.html", {"dash_page": "create", "form": form})


@seller_required
@with_seller_product
def product_edit(request: HttpRequest, product: Product) -> HttpResponse:
    if request.method != "POST":
        return _render_edit(request, product)
    form = ProductForm(request.POST, instance=product)
    if form.is_valid():
        try:
            catalog.update_product(product=product, data=form.service_data())
        except ValidationError as error:
            product.refresh_from_db()
            add_service_errors(form, error)
        else:
            messages.success(request, "The product was saved.")
            return redirect(_edit_url(product))
    return _render_edit(request, product, product_form=form)


@seller_required
@with_seller_product
@require_POST
def product_archive(request: HttpRequest, product: Product) -> HttpResponse:
    catalog.archive_product(product=product)
    messages.success(request, f"“{product.title}” was archived: it is no longer on sale.")
    return redirect("dashboard:products")


# Customs profile


@seller_required
def customs_profile(request: HttpRequest) -> HttpResponse:
    """The seller's exporter details and tax numbers, printed on their customs declarations."""
    profile = selectors.customs_profile_of(seller=request.seller)
    initial = {"exporter_name": request.seller.name, "country": request.seller.country} if profile is None else None
    form = CustomsProfileForm(request.POST or None, instance=profile, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            save_customs_profile(seller=request.seller, data=form.service_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your customs profile was saved.")
            return redirect("dashboard:customs-profile")
    return render(request, "dashboard/customs_profile.html", {"dash_page": "customs", "form": form, "profile": profile})


# Variants


@seller_required
@with_seller_product
def variant_create(request: HttpRequest, product: Product) -> HttpResponse:
    form = VariantForm(request.POST or None, initial={"currency": "USD"}, product=product)
    if request.method == "POST" and form.is_valid():
        try:
            catalog.create_variant(product=product, data=form.service_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The variant was added.")
            return redirect(_edit_url(product, "variants"))
    return render(request, "dashboard/variant_form.html", {"product": product, "form": form, "variant": None})


@seller_required
@with_seller_variant
def variant_edit(request: HttpRequest, product: Product, variant: Variant) -> HttpResponse:
    form = VariantForm(request.POST or None, instance=variant, product=product)
    if request.method == "POST" and form.is_valid():
        try:
            catalog.update_variant(variant=variant, data=form.service_data())
        except ValidationError as error:
            variant.refresh_from_db()
            add_service_errors(form, error)
        else:
            messages.success(request, "The variant was saved.")
            return redirect(_edit_url(product, "variants"))
    return render(request, "dashboard/variant_form.html", {"product": product, "form": form, "variant": variant})


@seller_required
@with_seller_variant
@require_POST
def variant_deactivate(request: HttpRequest, product: Product, variant: Variant) -> HttpResponse:
    catalog.deactivate_variant(variant=variant)
    messages.success(request, f"Variant {variant.sku} is no longer on sale.")
    return redirect(_edit_url(product, "variants"))


# Stock


@seller_required
@with_seller_product
@require_POST
def stock_save(request: HttpRequest, product: Product) -> HttpResponse:
    """Save the stock grid: every count the seller changed, all in one go or none (a refused cell says why)."""
    grid = _stock_grid(list(product.variants.all()), seller_id=request.seller.pk, data=request.POST)
    if grid.is_valid():
        counts = grid.changed_counts()
        try:
            stock_counts.set_stock_counts(
                seller_id=request.seller.pk, counts=counts, by=request.user, reference=STOCK_REFERENCE
            )
        except stock_counts.CountNotAllowed as refused:
            grid.refuse_not_counted_by_seller(refused.counts)
        except InsufficientStock as shortage:
            grid.refuse(shortage.lines)
        else:
            if counts:
                changed = f"{len(counts)} cell{pluralize(len(counts))}"
                messages.success(request, f"The stock was saved: {changed} changed.")
            else:
                messages.info(request, "Nothing to save: no count or bin was changed.")
            return redirect(_edit_url(product, "stock"))
    return _render_edit(request, product, stock_grid=grid)


# Images


@seller_required
@with_seller_product
@require_POST
def image_upload(request: HttpRequest, product: Product) -> HttpResponse:
    form = ImageUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            images.add_product_image(
                product=product, upload=form.cleaned_data["image"], alt_text=form.cleaned_data["alt_text"]
            )
        except ValidationError as error:
            add_service_errors(form, error, field="image")
        else:
            messages.success(request, "The picture was added.")
            return redirect(_edit_url(product, "images"))
    return _render_edit(request, product, upload_form=form)


@seller_required
@with_seller_image
@require_POST
def image_edit(request: HttpRequest, product: Product, image: ProductImage) -> HttpResponse:
    form = ImageAltForm(request.POST, instance=image, prefix=_image_prefix(image.pk))
    if form.is_valid():
        try:
            images.update_product_image(image=image, alt_text=form.cleaned_data["alt_text"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The text alternative was saved.")
            return redirect(_edit_url(product, "images"))
    return _render_edit(request, product, alt_forms={image.pk: form})


@seller_required
@with_seller_image
@require_POST
def image_move(request: HttpRequest, product: Product, image: ProductImage) -> HttpResponse:
    form = ImageMoveForm(request.POST)
    if form.is_valid():
        images.move_product_image(image=image, offset=form.offset())
        messages.success(request, "The pictures were reordered.")
    return redirect(_edit_url(product, "images"))


@seller_required
@with_seller_image
@require_POST
def image_delete(request: HttpRequest, product: Product, image: ProductImage) -> HttpResponse:
    images.delete_product_image(image=image)
    messages.success(request, "The picture was deleted.")
    return redirect(_edit_url(product, "images"))


# Returns


@seller_required
def return_list(request: HttpRequest) -> HttpResponse:
    """Returns of the seller's products, newest first, 25 a page: only their own lines of each return."""
    page = Paginator(selectors.seller_returns(seller=request.seller), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.seller_return_rows(page.object_list)
    return render(request, "dashboard/return_list.html", {"dash_page": "returns", "page": page, "returns": rows})
