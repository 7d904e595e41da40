"""Forms of the seller dashboard: they parse and check input; the services write."""

import copy
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict

from fulfillment.models import Stock, Warehouse
from fulfillment.services.stock import StockShortage
from shop import selectors
from shop.models import Product, ProductImage, SellerCustomsProfile, Variant
from shop.services.customs import CUSTOMS_PROFILE_FIELDS
from shop.services.stock_counts import StockCount

IMAGE_TYPES = "image/jpeg,image/png,image/webp,image/gif"
SELLER_STATUSES = [(Product.Status.DRAFT, "Draft (not on sale)"), (Product.Status.ACTIVE, "Active (on sale)")]
OPTION_NAMES = ("size", "colour")


class ProductFilterForm(forms.Form):
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "All statuses"), *Product.Status.choices])


class ProductForm(forms.ModelForm):
    """What a seller edits on a product; `is_featured` is staff's, the slug is made from the title."""

    class Meta:
        model = Product
        fields = (
            "title",
            "description",
            "category",
            "status",
            "affiliate_commission_rate",
            "hs_code",
            "country_of_origin",
            "customs_description",
            "net_weight_grams",
            "hazards",
            "weight_grams",
            "length_mm",
            "width_mm",
            "height_mm",
        )
        labels = {
            "affiliate_commission_rate": "Creator commission (%)",
            "hs_code": "HS code",
            "net_weight_grams": "Net weight (grams)",
            "hazards": "What carriers restrict",
            "weight_grams": "Weight (grams)",
            "length_mm": "Length (mm)",
            "width_mm": "Width (mm)",
            "height_mm": "Height (mm)",
        }
        help_texts = {
            "hs_code": "6 digits, or 8 to 10 with your country's extension (dots and spaces are fine, e.g. "
            "6109.10). Needed to ship abroad.",
            "customs_description": "What it is and what it is made of, for customs (e.g. “Cotton T-shirt”); "
            "never “Gift” or “Merchandise”.",
            "net_weight_grams": "The goods alone, without packing, declared to customs. Empty: the packed weight.",
            "hazards": "Tick what applies: some of these cannot fly, so they cannot be shipped abroad.",
            "weight_grams": "Packed weight, used to rate shipping.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs) -> None:
        # Work on a copy: a rejected form must not change the product the page shows.
        if kwargs.get("instance") is not None:
            kwargs["instance"] = copy.copy(kwargs["instance"])
        super().__init__(*args, **kwargs)
        # Sellers choose draft or active; an archived product keeps its status until they pick another.
        archived = [(Product.Status.ARCHIVED, "Archived")] if self.instance.status == Product.Status.ARCHIVED else []
        self.fields["status"].choices = SELLER_STATUSES + archived
        # The tree, parents first and each level in the shop's order (the queryset still checks the choice).
        self.fields["category"].choices = [("", "No category"), *selectors.category_choices()]
        self.fields["affiliate_commission_rate"].widget.attrs.update({"min": "0", "max": "80", "step": "0.01"})
        self.fields["hs_code"].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        for name in ("weight_grams", "net_weight_grams", "length_mm", "width_mm", "height_mm"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric"})

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class VariantForm(forms.ModelForm):
    """A variant; its option values are edited as plain size and colour inputs."""

    size = forms.CharField(label="Size", max_length=40, required=False, help_text="For example M or 42.")
    colour = forms.CharField(label="Colour", max_length=40, required=False, help_text="For example Red.")

    class Meta:
        model = Variant
        fields = (
            "sku",
            "name",
            "price",
            "currency",
            "compare_at_price",
            "gtin",
            "is_active",
            "hs_code",
            "country_of_origin",
            "customs_description",
            "net_weight_grams",
        )
        labels = {
            "compare_at_price": "Compare-at price",
            "is_active": "On sale",
            "hs_code": "HS code",
            "net_weight_grams": "Net weight (grams)",
        }
        help_texts = {
            "sku": "Your unique stock-keeping code.",
            "currency": "Three-letter ISO code, e.g. USD or EUR.",
            "compare_at_price": "Optional earlier price, shown struck through; must be above the price.",
            "gtin": "Barcode number (EAN/UPC), 8, 12, 13 or 14 digits. Optional.",
            "hs_code": "Only where this option differs (6 digits, or 8 to 10). Empty: the product's.",
            "country_of_origin": "Only where this option is made elsewhere. Empty: the product's.",
            "customs_description": "Only where this option is a different thing. Empty: the product's.",
            "net_weight_grams": "The goods alone, for customs. Empty: the product's.",
        }

    field_order = (
        "sku",
        "name",
        "size",
        "colour",
        "price",
        "currency",
        "compare_at_price",
        "gtin",
        "is_active",
        "hs_code",
        "country_of_origin",
        "customs_description",
        "net_weight_grams",
    )

    def __init__(self, *args, product: Product | None = None, **kwargs) -> None:
        if kwargs.get("instance") is not None:
            kwargs["instance"] = copy.copy(kwargs["instance"])
        super().__init__(*args, **kwargs)
        if product is not None:  # the product's customs data shows where the variant's is left empty
            for name, value in (
                ("hs_code", product.hs_code),
                ("customs_description", product.customs_description),
                ("net_weight_grams", product.net_weight_grams or product.weight_grams or ""),
            ):
                if value:
                    self.fields[name].widget.attrs["placeholder"] = str(value)
        options = self.instance.option_values if isinstance(self.instance.option_values, dict) else {}
        for name in OPTION_NAMES:
            self.fields[name].initial = options.get(name, "")
        self.fields["currency"].widget.attrs.update({"maxlength": "3", "autocapitalize": "characters"})
        self.fields["gtin"].widget.attrs.update({"inputmode": "numeric"})
        for name in ("price", "compare_at_price"):
            self.fields[name].widget.attrs.update({"min": "0.01", "step": "0.01"})
        self.fields["hs_code"].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        self.fields["net_weight_grams"].widget.attrs.update({"inputmode": "numeric", "min": "1"})
        self.fields["country_of_origin"].choices = [
            ("", "As the product"),
            *list(self.fields["country_of_origin"].choices)[1:],
        ]

    def clean_currency(self) -> str:
        return (self.cleaned_data.get("currency") or "").strip().upper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        price, compare_at = cleaned.get("price"), cleaned.get("compare_at_price")
        if price is not None and compare_at is not None and compare_at <= price:
            self.add_error("compare_at_price", "The compare-at price must be above the price.")
        return cleaned

    def option_values(self) -> dict[str, str]:
        """The variant's option values with size and colour replaced; other keys (set by the API) kept."""
        options = self.instance.option_values  # not a form field: still the stored value
        existing = dict(options) if isinstance(options, dict) else {}
        for name in OPTION_NAMES:
            value = self.cleaned_data.get(name, "").strip()
            if value:
                existing[name] = value
            else:
                existing.pop(name, None)
        return existing

    def service_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self._meta.fields}
        data["option_values"] = self.option_values()
        return data


class CustomsProfileForm(forms.ModelForm):
    """The exporter on the seller's customs declarations."""

    class Meta:
        model = SellerCustomsProfile
        fields = CUSTOMS_PROFILE_FIELDS
        labels = {"exporter_name": "Exporter (legal name)"}
        help_texts = {
            "vat_number": "Where you are registered for VAT, e.g. GB123456789.",
        }

    def __init__(self, *args, **kwargs) -> None:
        if kwargs.get("instance") is not None:
            kwargs["instance"] = copy.copy(kwargs["instance"])
        super().__init__(*args, **kwargs)
        for name in ("eori_number", "vat_number", "ioss_number"):
            self.fields[name].widget.attrs.update({"autocapitalize": "characters", "autocomplete": "off"})
        self.fields["address_line1"].widget.attrs.update({"autocomplete": "address-line1"})
        self.fields["address_line2"].widget.attrs.update({"autocomplete": "address-line2"})
        self.fields["city"].widget.attrs.update({"autocomplete": "address-level2"})
        self.fields["postal_code"].widget.attrs.update({"autocomplete": "postal-code"})
        self.fields["country"].widget.attrs.update({"autocomplete": "country"})

    def service_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class ImageUploadForm(forms.Form):
    # A FileField, not an ImageField: the image service checks the content and words the error.
    image = forms.FileField(
        label="Picture",
        help_text="JPEG, PNG, WebP or GIF.",
        widget=forms.FileInput(attrs={"accept": IMAGE_TYPES}),
    )
    alt_text = forms.CharField(
        label="Text alternative",
        max_length=200,
        required=False,
        help_text="Describe the picture for people who cannot see it. Empty: the product title is used.",
    )


class ImageAltForm(forms.ModelForm):
    class Meta:
        model = ProductImage
        fields = ("alt_text",)
        labels = {"alt_text": "Text alternative"}

    def __init__(self, *args, **kwargs) -> None:
        if kwargs.get("instance") is not None:
            kwargs["instance"] = copy.copy(kwargs["instance"])
        super().__init__(*args, **kwargs)


class ImageMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])

    def offset(self) -> int:
        return -1 if self.cleaned_data["direction"] == "up" else 1


class StockForm(forms.Form):
    """The on-hand count of one variant in one warehouse, and where it sits.

    Each field also posts the value the page showed (a hidden initial), so `has_changed()` tells
    what the seller changed, not what someone else changed since the page was shown.
    """

    quantity = forms.IntegerField(
        label="On hand",
        min_value=0,
        show_hidden_initial=True,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    bin_location = forms.CharField(label="Bin", max_length=32, required=False, show_hidden_initial=True)


@dataclass
class StockCell:
    variant: Variant
    warehouse: Warehouse
    form: StockForm
    # False in our warehouses: staff count there, the seller sees the numbers only.
    editable: bool = True
    stock: Stock | None = None


@dataclass
class StockRow:
    variant: Variant
    cells: list[StockCell]


@dataclass
class StockCellError:
    cell: StockCell
    field: forms.BoundField
    message: str


class StockGrid:
    """A product's stock as one form: a row per variant, a column per warehouse, a StockForm a cell.

    Bound to POST data, only the cells the seller changed are counted; a cell the data does not
    have (a variant added or a warehouse opened since the page was shown) is left as it is.
    """

    def __init__(
        self,
        *,
        variants: list[Variant],
        warehouses: list[Warehouse],
        stocks: dict[tuple[int, int], Stock],
        data: QueryDict | None = None,
        editable_warehouse_ids: set[int] | None = None,
    ) -> None:
        self.warehouses = warehouses
        editable = {w.pk for w in warehouses} if editable_warehouse_ids is None else editable_warehouse_ids
        self.has_editable = bool(editable)
        self.rows: list[StockRow] = []
        for variant in variants:
            cells = []
            for warehouse in warehouses:
                stock = stocks.get((variant.pk, warehouse.pk))
                prefix = f"stock-{variant.pk}-{warehouse.pk}"
                posted = data is not None and any(
                    key in data for key in (f"{prefix}-quantity", f"initial-{prefix}-quantity")
                )
                form = StockForm(
                    data if posted else None,
                    prefix=prefix,
                    initial={
                        "quantity": stock.quantity if stock else 0,
                        "bin_location": stock.bin_location if stock else "",
                    },
                )
                form.fields["quantity"].help_text = f"{stock.quantity_allocated if stock else 0} allocated"
                cells.append(
                    StockCell(
                        variant=variant,
                        warehouse=warehouse,
                        form=form,
                        editable=warehouse.pk in editable,
                        stock=stock,
                    )
                )
            self.rows.append(StockRow(variant=variant, cells=cells))
        self._cells = {(cell.variant.pk, cell.warehouse.pk): cell for row in self.rows for cell in row.cells}

    def _bound(self) -> list[StockCell]:
        return [cell for cell in self._cells.values() if cell.form.is_bound]

    def is_valid(self) -> bool:
        checked = [cell.form.is_valid() for cell in self._bound()]  # every cell, so each gets its errors
        return all(checked)

    def changed_counts(self) -> list[StockCount]:
        """The counts of the cells the seller changed (a valid grid); an unchanged part stays None."""
        counts = []
        for cell in self._bound():
            changed, data = cell.form.changed_data, cell.form.cleaned_data
            if changed:
                counts.append(
                    StockCount(
                        warehouse=cell.warehouse,
                        variant_id=cell.variant.pk,
                        quantity=data["quantity"] if "quantity" in changed else None,
                        bin_location=data["bin_location"] if "bin_location" in changed else None,
                    )
                )
        return counts

    def refuse(self, shortages: list[StockShortage]) -> None:
        """Put the stock service's refusals on their cells."""
        for shortage in shortages:
            cell = self._cells[(shortage.variant_id, shortage.warehouse_id)]
            cell.form.add_error(
                "quantity",
                f"Cannot be lower than {shortage.allocated}: that many units here are allocated to orders.",
            )

    def refuse_not_counted_by_seller(self, counts: list[StockCount]) -> None:
        """Cells of warehouses staff count (a stale page or a hand-made post): each says so."""
        for count in counts:
            cell = self._cells[(count.variant_id, count.warehouse.pk)]
            cell.form.add_error(
                "quantity",
                f"{count.warehouse.code} is one of our warehouses: staff count it as your shipments arrive. "
                "Announce an inbound shipment instead.",
            )

    @property
    def errors(self) -> list[StockCellError]:
        """Every cell's error, in the grid's order, for the summary above it."""
        return [
            StockCellError(
                cell=cell, field=cell.form[name if name in cell.form.fields else "quantity"], message=message
            )
            for cell in self._bound()
            for name, messages in cell.form.errors.items()
            for message in messages
        ]
