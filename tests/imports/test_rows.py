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
                      "phone": "+442079460958", "company_name": None, "title": "=cmd"}
    for cells, message in [(["", "", "", "", "", ""], "Enter a name or an email address."),
                           (["a\x00b", "x", "", "", "", ""], "control character in the first name"),
                           (["", "x", "", "", "c" * 201, ""], "Keep the company name to 200 characters or fewer"),
                           (["", "x", "", "", "", "t" * 121], "Keep the title to 120 characters or fewer")]:
        with pytest.raises(RowRejected) as rejected:
            lead_values(cells, mapping)
        assert message in rejected.value.message
