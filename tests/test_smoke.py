def test_admin_reaches_console(admin_a, org_b):
    assert admin_a.get("/acme/admin/members").status_code == 200
    assert admin_a.get("/bravo/admin/members").status_code == 404
