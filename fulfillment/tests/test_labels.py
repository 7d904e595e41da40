import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from fulfillment.carriers.base import Address
from fulfillment.carriers.labels import (
    LabelData,
    render_pdf,
    render_pdf_batch,
    render_zpl,
    render_zpl_batch,
    routing_postal_code,
)

SF = Address("Shop Inc", "1 Main St", "San Francisco", "94103", "US", state="CA")
NY = Address("Jane Doe", "5 Elm St", "New York", "10001-2345", "US", state="NY")
LONDON = Address("John Smith", "1 High St", "London", "SW1A 1AA", "GB")


def label(tracking="9200123456789012345676", to=NY, index=1, count=1, reference="ORD-1001"):
    return LabelData(
        carrier_name="Domestic Express",
        service_name="Express",
        from_address=SF,
        to_address=to,
        tracking_number=tracking,
        reference=reference,
        parcel_index=index,
        parcel_count=count,
        weight_grams=1250,
        ship_date=dt.date(2026, 11, 26),
    )


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


# --- PDF -----------------------------------------------------------------------------------


def test_pdf_is_one_4x6_page_with_everything_printed():
    reader = read(render_pdf(label(count=3, index=2)))

    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (288, 432)
    text = page.extract_text()
    for expected in (
        "9200123456789012345676",
        "Express",
        "Jane Doe",
        "New York NY 10001-2345",
        "Shop Inc",
        "(420) 100012345",
        "Ref: ORD-1001",
        "Parcel 2 of 3",
        "1.25 kg",
        "2026-11-26",
    ):
        assert expected in text


def test_pdf_with_an_s10_number_and_a_non_numeric_postal_code():
    text = read(render_pdf(label(tracking="RR123456785GB", to=LONDON))).pages[0].extract_text()
    assert "RR123456785GB" in text
    assert "(420) SW1A1AA" in text


def test_batch_is_one_pdf_with_a_page_per_label():
    numbers = [f"LX0000000{i}" for i in range(4)]
    reader = read(render_pdf_batch([label(tracking=n, index=i, count=4) for i, n in enumerate(numbers, 1)]))

    assert len(reader.pages) == 4
    for page, number in zip(reader.pages, numbers, strict=True):
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (288, 432)
        assert number in page.extract_text()


def test_empty_batch_refused():
    with pytest.raises(ValueError, match="no labels"):
        render_pdf_batch([])


# --- ZPL -----------------------------------------------------------------------------------


def test_zpl_is_one_4x6_label_at_203_dpi():
    zpl = render_zpl(label())

    assert zpl.startswith("^XA")
    assert zpl.endswith("^XZ")
    assert zpl.count("^XA") == zpl.count("^XZ") == 1
    assert "^PW812" in zpl
    assert "^LL1218" in zpl


def test_zpl_tracking_barcode_and_printed_number():
    zpl = render_zpl(label())
    assert "^BCN,200,N,N,N^FD>;9200123456789012345676^FS" in zpl  # Code 128, subset C
    assert "^FD9200123456789012345676^FS" in zpl  # printed under it


def test_zpl_gs1_routing_barcode_with_fnc1_and_ai_420():
    zpl = render_zpl(label())
    assert "^FD>;>8420100012345^FS" in zpl  # start C, FNC1, (420) + ZIP+4
    assert "(420) 100012345" in zpl


def test_zpl_routing_for_alphanumeric_postal_code_uses_subset_b():
    zpl = render_zpl(label(tracking="RR123456785GB", to=LONDON))
    assert "^FD>:>8420SW1A1AA^FS" in zpl
    assert "^FD>:RR123456785GB^FS" in zpl


def test_zpl_escapes_control_characters_in_text():
    zpl = render_zpl(label(reference="A^B~C_D"))
    assert "Ref: A_5EB_7EC_5FD" in zpl
    body = zpl.removeprefix("^XA").removesuffix("^XZ")
    assert "A^B" not in body


def test_zpl_batch_is_one_block_per_label():
    zpl = render_zpl_batch([label(index=i, count=3) for i in (1, 2, 3)])
    assert len(re.findall(r"\^XA.*?\^XZ", zpl, flags=re.S)) == 3


def test_routing_postal_code_keeps_letters_and_digits():
    assert routing_postal_code("sw1a 1aa") == "SW1A1AA"
    assert routing_postal_code("10001-2345") == "100012345"
