"""Settings read from the environment."""

from crm.config import from_environment


def test_base_url_for_links_in_emails_is_read_without_its_trailing_slash(monkeypatch, tmp_path):
    monkeypatch.setenv("BASE_URL", "https://crm.example.com/")
    assert from_environment(str(tmp_path), debug=True)["BASE_URL"] == "https://crm.example.com"
    monkeypatch.delenv("BASE_URL")
    assert from_environment(str(tmp_path), debug=True)["BASE_URL"] is None
