"""A row is checked by the lead form's rules; the quick path for plain addresses agrees with them."""

import pytest
from email_validator import EmailNotValidError
from email_validator import validate_email

from crm.services.lead_import.rows import RowRejected
from crm.services.lead_import.rows import _email
from crm.services.lead_import.rows import lead_values

ADDRESSES = ["ada@example.com", "Ada.Lovelace+crm@Mail.Example.CO.UK", "x@y.io", "o'brien@example.ie", "a..b@example.com",
             ".a@example.com", "a.@example.com", "a@-example.com", "a@example-.com", "a@example", "a@example.test",
             "a@sub.localhost", "a@example.c", "a@123.com", "a@xn--bcher-kva.example", "a@bücher.example",
             "josé@example.com", "a b@example.com", "a@example..com", "{x}@example.com", "a@example.com.",
             "1234567890123456789012345678901234567890123456789012345678901234@example.com",
             "12345678901234567890123456789012345678901234567890123456789012345@example.com"]


@pytest.mark.parametrize("address", ADDRESSES)
def test_the_quick_email_check_agrees_with_email_validator(app, address):
    try:
        expected = validate_email(address.strip().lower(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        expected = None
    try:
        got = _email(address)
    except Exception:
        got = None
    assert got == expected


def test_a_row_gets_the_forms_rules_and_messages(app):
    mapping = ["first_name", "last_name", "email", "phone", "company_name", "title"]
    values = lead_values([" Ada ", "Lovelace", "ADA@example.com", "+44 20 7946 0958", "", "=cmd"], mapping)
    assert values == {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
                      "phone": "+442079460958", "company_name": None, "title": "=cmd", "company_size": None,
                      "country": None}
    for cells, message in [(["", "", "", "", "", ""], "Enter a name or an email address."),
                           (["a\x00b", "x", "", "", "", ""], "control character in the first name"),
                           (["", "x", "", "", "c" * 201, ""], "Keep the company name to 200 characters or fewer"),
                           (["", "x", "", "", "", "t" * 121], "Keep the title to 120 characters or fewer")]:
        with pytest.raises(RowRejected) as rejected:
            lead_values(cells, mapping)
        assert message in rejected.value.message


@pytest.mark.parametrize("cell, band", [("250", "201-1000"), ("1,200", "1001-5000"), ("51-200", "51-200"),
                                        ("5000+", "5000+"), (" 11 ", "11-50"), ("", None)])
def test_company_size_is_a_band_given_as_itself_or_as_a_number_of_employees(app, cell, band):
    values = lead_values(["Ada", cell, "Portugal"], ["first_name", "company_size", "country"])
    assert (values["company_size"], values["country"]) == (band, "Portugal")


def test_a_company_size_that_is_neither_is_refused_with_the_bands(app):
    with pytest.raises(RowRejected) as refused:
        lead_values(["Ada", "huge"], ["first_name", "company_size"])
    assert refused.value.message == ("“huge” is not a company size: give a number of employees or one of "
                                     "1-10, 11-50, 51-200, 201-1000, 1001-5000, 5000+.")
