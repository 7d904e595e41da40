import pytest

from fulfillment.carriers.tracking_numbers import (
    InvalidTrackingNumberInput,
    impb_sequence,
    is_valid_impb,
    is_valid_s10,
    is_valid_tracking_number,
    make_impb,
    make_s10,
    s10_check_digit,
    s10_sequence,
    usps_mod10_check_digit,
)

# --- UPU S10 ---------------------------------------------------------------------------------


def test_upu_reference_example_validates():
    # 1*8 + 2*6 + 3*4 + 4*2 + 5*3 + 6*5 + 7*9 + 8*7 = 204; 204 % 11 = 6; 11 - 6 = 5
    assert s10_check_digit("12345678") == 5
    assert is_valid_s10("RR123456785GB")
    assert make_s10("RR", 12345678, "GB") == "RR123456785GB"


def test_check_11_becomes_5_and_10_becomes_0():
    # sum 0 -> 11 - 0 = 11 -> 5
    assert make_s10("LX", 0, "US") == "LX000000005US"
    # 4 * 3 (fifth weight) = 12; 12 % 11 = 1; 11 - 1 = 10 -> 0
    assert make_s10("LX", 4000, "US") == "LX000040000US"


@pytest.mark.parametrize(
    "number",
    [
        "RR123456784GB",  # wrong check digit
        "RR12345678GB",  # too short
        "R1123456785GB",  # prefix not letters
        "RR123456785G1",  # country not letters
        "RR1234567855GB",  # too long
        "",
    ],
)
def test_invalid_s10_refused(number):
    assert not is_valid_s10(number)


def test_s10_accepts_lower_case_and_spaces():
    assert is_valid_s10("rr 123 456 785 gb")


@pytest.mark.parametrize(
    ("prefix", "serial", "country"),
    [("R", 1, "GB"), ("RR", -1, "GB"), ("RR", 100_000_000, "GB"), ("RR", 1, "GBR"), ("R1", 1, "GB")],
)
def test_make_s10_rejects_bad_input(prefix, serial, country):
    with pytest.raises(InvalidTrackingNumberInput):
        make_s10(prefix, serial, country)


def test_s10_sequence_is_consecutive_and_valid():
    numbers = list(s10_sequence("LX", "US", start=12345678, count=3))
    assert [n[2:10] for n in numbers] == ["12345678", "12345679", "12345680"]
    assert all(is_valid_s10(n) for n in numbers)


# --- USPS IMpb-style -------------------------------------------------------------------------


def test_usps_mod10_worked_example():
    # body 920012345678901234567, from the right weights 3,1,3,...:
    # 3*(7+5+3+1+9+7+5+3+1+0+9) + (6+4+2+0+8+6+4+2+0+2) = 150 + 34 = 184 -> (10 - 4) % 10 = 6
    assert usps_mod10_check_digit("920012345678901234567") == 6
    assert is_valid_impb("9200123456789012345676")
    assert make_impb(1234567, mailer_id="234567890", service_code="001") == "9200123456789012345676"


def test_check_digit_zero_when_sum_is_a_multiple_of_ten():
    assert usps_mod10_check_digit("0") == 0
    assert usps_mod10_check_digit("10") == 9  # 0*3 + 1*1 = 1 -> 9


@pytest.mark.parametrize(
    "number",
    [
        "9200123456789012345675",  # wrong check digit
        "9400123456789012345676",  # prefix 94 is not 92/93
        "920012345678901234567",  # 21 digits
        "92001234567890123456760",  # 23 digits
        "92001234567890123456A6",
        "",
    ],
)
def test_invalid_impb_refused(number):
    assert not is_valid_impb(number)


def test_impb_is_22_digits_starting_92_or_93():
    for prefix in ("92", "93"):
        number = make_impb(42, prefix=prefix)
        assert len(number) == 22
        assert number.startswith(prefix)
        assert is_valid_impb(number)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"prefix": "94"},
        {"service_code": "01"},
        {"mailer_id": "12345"},
        {"serial": 10_000_000},  # 7 serial digits with a 9-digit mailer id
        {"serial": -1},
    ],
)
def test_make_impb_rejects_bad_input(kwargs):
    kwargs = {"serial": 1, **kwargs}
    with pytest.raises(InvalidTrackingNumberInput):
        make_impb(kwargs.pop("serial"), **kwargs)


def test_six_digit_mailer_id_leaves_ten_serial_digits():
    number = make_impb(9_999_999_999, mailer_id="123456")
    assert number[:-1].endswith("9999999999")
    assert is_valid_impb(number)


def test_impb_sequence_is_consecutive_and_valid():
    numbers = list(impb_sequence(start=1, count=5))
    assert len(set(numbers)) == 5
    assert all(is_valid_impb(n) for n in numbers)
    assert [int(n[14:21]) for n in numbers] == [1, 2, 3, 4, 5]


def test_any_kind_validates():
    assert is_valid_tracking_number("RR123456785GB")
    assert is_valid_tracking_number("9200123456789012345676")
    assert not is_valid_tracking_number("1Z999AA10123456784")
