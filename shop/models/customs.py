"""A seller's customs profile: who exports their goods, and the tax numbers customs declarations carry."""

from django.db import models
from django_countries.fields import CountryField

from shop.models.fields import TaxIdField
from shop.validators import validate_eori, validate_ioss, validate_vat_number


class SellerCustomsProfile(models.Model):
    """The exporter printed on the seller's customs declarations (CN22/CN23, commercial invoice)."""

    seller = models.OneToOneField("shop.Seller", on_delete=models.CASCADE, related_name="customs_profile")
    exporter_name = models.CharField(max_length=200, help_text="The legal name of the business that exports.")
    address_line1 = models.CharField("address line 1", max_length=200)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20, blank=True)
    country = CountryField(help_text="Where the exporter is established; also where goods ship from when unsure.")
    eori_number = TaxIdField(
        "EORI number",
        max_length=17,
        blank=True,
        validators=[validate_eori],
        help_text="Needed to export from or import into the EU and the UK, e.g. DE123456789012345.",
    )
    vat_number = TaxIdField("VAT number", max_length=20, blank=True, validators=[validate_vat_number])
    ioss_number = TaxIdField(
        "IOSS number",
        max_length=12,
        blank=True,
        validators=[validate_ioss],
        help_text="EU Import One-Stop Shop: IM and 10 digits, e.g. IM2760000742.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "seller customs profile"

    def __str__(self) -> str:
        return f"Customs profile of {self.exporter_name}"
