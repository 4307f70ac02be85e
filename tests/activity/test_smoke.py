from tests.activity.support import HX, INTERACTION, url


def test_company_page_renders_panel(admin_a, recs):
    r = admin_a.post(url("company", recs.company, "interactions"), data=INTERACTION, headers=HX)
    assert r.status_code == 200, r.get_data(as_text=True)
    r = admin_a.get(url("company", recs.company, "activity"))
    assert r.status_code == 200, r.get_data(as_text=True)
    assert "Intro call" in r.get_data(as_text=True)


def test_every_section_renders_for_every_kind(admin_a, recs):
    for kind, rid in (("company", recs.company), ("contact", recs.contact), ("lead", recs.lead)):
        assert admin_a.post(url(kind, rid, "interactions"), data=INTERACTION, headers=HX).status_code == 200
        assert admin_a.post(url(kind, rid, "notes"), data={"body": "Hi @admin@acme.example"}, headers=HX).status_code == 200
        assert admin_a.post(url(kind, rid, "tasks"), data={"title": "Follow up", "due_on": "2030-01-01"}, headers=HX).status_code == 200
        r = admin_a.post(url(kind, rid, "tags"), data={"name": f"VIP {kind}"}, headers=HX)
        assert r.status_code == 200, r.get_data(as_text=True)
        r = admin_a.get(url(kind, rid, "activity"))
        assert r.status_code == 200, r.get_data(as_text=True)
        html = r.get_data(as_text=True)
        assert "Follow up" in html and "Intro call" in html and f"VIP {kind}" in html
        r = admin_a.get(url(kind, rid, "timeline"), headers=HX)
        assert "Task added" in r.get_data(as_text=True)
    assert admin_a.get("/acme/activity/tasks/mine").status_code == 200
    assert admin_a.get("/acme/activity/tags").status_code == 200
