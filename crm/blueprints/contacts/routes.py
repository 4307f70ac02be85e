from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from crm.blueprints.contacts import bp
from crm.blueprints.records import RecordKind
from crm.blueprints.records import after_create
from crm.blueprints.records import bulk_action
from crm.blueprints.records import bulk_restore
from crm.blueprints.records import delete_record
from crm.blueprints.records import export_csv
from crm.blueprints.records import list_page
from crm.blueprints.records import restore_record
from crm.blueprints.records import tags_by_name
from crm.extensions import db
from crm.htmx import render
from crm.htmx import toast
from crm.htmx import wants_fragment
from crm.models import Contact
from crm.models.people import EMAIL_KINDS
from crm.models.people import PHONE_KINDS
from crm.permissions import can
from crm.permissions import require
from crm.services import ServiceError
from crm.services import contacts
from crm.services.contacts import PossibleDuplicates
from crm.services.listing import paginate
from crm.services.records import active_members
from tenants.context import require_org_id

CONTACTS = RecordKind("contacts", "contact", contacts, assign_permission="contacts.edit")
CHOICES = {"methods": list(contacts.METHOD_LABELS.items()), "email_kinds": EMAIL_KINDS, "phone_kinds": PHONE_KINDS}


@bp.app_template_filter("phone")
def phone_filter(number):
    """+442079460958 shown as +44 20 7946 0958."""
    return contacts.display_phone(number)


@bp.app_template_filter("contact_method")
def contact_method_filter(value):
    """A preferred contact method as people read it."""
    return contacts.METHOD_LABELS.get(value or "", "No preference")


def _contact(contact_id, include_deleted: bool = False) -> Contact:
    """This organization's live contact with its emails, phones, company and owner, or 404."""
    contact = contacts.load_contact(contact_id, include_deleted=include_deleted)
    if contact is None or contact.org_id != require_org_id():
        abort(404)
    return contact


# The list

def _list_context():
    state, company = contacts.parse_list(request.args)
    page = paginate(contacts.LIST, state, contacts.list_query())
    tags = contacts.tags_by_contact([c.id for c in page.rows])
    return dict(state=state, page=page, tags=tags, spec=contacts.LIST, members=active_members, all_tags=tags_by_name,
                filter_company=company, companies=contacts.company_choices(selected=company),
                method_labels=contacts.METHOD_LABELS)


@bp.get("/")
@require("contacts.view")
def contacts_list():
    """Contacts, searched, filtered, sorted and paged by the URL."""
    return list_page(CONTACTS, _list_context())


@bp.get("/export.csv")
@require("contacts.view")
def contacts_export():
    """Every contact the current filter shows, as CSV."""
    state, _ = contacts.parse_list(request.args)
    return export_csv(CONTACTS, state)


@bp.get("/company-options")
@require("contacts.edit")
def contacts_company_options():
    """The company picker's options, for what was typed in its search box."""
    options = contacts.company_choices(request.args.get("company_q", ""), selected=request.args.get("company_id"))
    return render_template("contacts/_company_options.html", companies=options, searched=True,
                           selected=contacts.parse_id(request.args.get("company_id")) or "")


@bp.post("/bulk")
@require("contacts.edit")
def contacts_bulk():
    """Assign an owner, add a tag, or delete the ticked contacts."""
    return bulk_action(CONTACTS)


@bp.post("/bulk-restore")
@require("contacts.delete")
def contacts_bulk_restore():
    """Undo a bulk delete."""
    return bulk_restore(CONTACTS)


# Create

def _new_form_context(values, errors=None, duplicates=None):
    return dict(values=values, errors=errors or {}, duplicates=duplicates or [], members=active_members(),
                companies=contacts.company_choices(selected=values.get("company_id")), **CHOICES)


@bp.get("/new")
@require("contacts.edit")
def contacts_new():
    """The form for a new contact (with ?company_id= the company is already chosen)."""
    values = {}
    if contacts.parse_id(request.args.get("company_id")):
        try:
            values["company_id"] = contacts.check_company(request.args["company_id"])
        except ServiceError:
            pass
    return render_template("contacts/new.html", **_new_form_context(values))


@bp.post("/")
@require("contacts.edit")
def contacts_create():
    """Create a contact and open it; a likely duplicate asks first."""
    try:
        contact = contacts.create_contact(request.form)
    except ServiceError as error:
        db.session.rollback()
        return render("contacts/new.html", "contacts/_new_form.html", status=422,
                      **_new_form_context(request.form, errors={error.field or "_": error.message}))
    except PossibleDuplicates as found:
        db.session.rollback()
        return render("contacts/new.html", "contacts/_new_form.html",
                      **_new_form_context(request.form, duplicates=found.duplicates))
    db.session.commit()
    flash(f"Contact {contact.full_name} created.", "success")
    return after_create("contacts.contacts_show", contact_id=contact.id)


# The record page

def _page_context(contact: Contact) -> dict:
    from crm.services.activity import panel_context

    from crm.services.opportunities import of_record

    from crm.services.conversion import lead_converted_into

    deals = of_record(contact_id=contact.id) if can("opportunities.view") else None
    return dict(record=contact, kind="contact", panel=panel_context("contact", contact),
                related_opportunities=deals, new_opportunity_args={"contact_id": contact.id},
                converted_from=lead_converted_into(contact.id))


@bp.get("/<int:contact_id>")
@require("contacts.view")
def contacts_show(contact_id):
    """A contact: details, emails and phones, activity and tags."""
    contact = _contact(contact_id, include_deleted=True)
    if contact.deleted_at is not None:
        kept = contacts.load_contact(contact.merged_into_id) if contact.merged_into_id else None
        if kept is None:
            abort(404)
        flash(f"{contact.full_name} was merged into {kept.full_name}.", "success")
        return redirect(url_for("contacts.contacts_show", contact_id=kept.id), 303)
    return render_template("contacts/show.html", contact=contact, **_page_context(contact), **CHOICES)


@bp.get("/<int:contact_id>/details")
@require("contacts.view")
def contacts_details(contact_id):
    """The contact's fields, read-only (Cancel of the inline edit comes back here)."""
    return render_template("contacts/_details.html", contact=_contact(contact_id))


def _edit_context(contact: Contact, values, errors=None) -> dict:
    return dict(contact=contact, values=values, errors=errors or {}, members=active_members(),
                companies=contacts.company_choices(selected=values.get("company_id")), **CHOICES)


@bp.get("/<int:contact_id>/edit")
@require("contacts.edit")
def contacts_edit(contact_id):
    """The contact's fields as a form, swapped in place of the details."""
    contact = _contact(contact_id)
    values = {f: getattr(contact, f) or "" for f in contacts.FIELDS}
    page = {} if wants_fragment() else _page_context(contact) | {"editing": True}
    return render("contacts/show.html", "contacts/_edit.html", **_edit_context(contact, values), **page)


@bp.post("/<int:contact_id>")
@require("contacts.edit")
def contacts_update(contact_id):
    """Save the inline edit."""
    contact = _contact(contact_id)
    try:
        contacts.update_contact(contact, request.form)
    except ServiceError as error:
        db.session.rollback()
        contact = _contact(contact_id)
        return render("contacts/show.html", "contacts/_edit.html", status=422,
                      **_edit_context(contact, request.form, {error.field or "_": error.message}),
                      **({} if wants_fragment() else _page_context(contact) | {"editing": True}))
    db.session.commit()
    contact = _contact(contact_id)
    if not wants_fragment():
        flash("Contact saved.", "success")
        return redirect(url_for("contacts.contacts_show", contact_id=contact.id), 303)
    return render("contacts/show.html", "contacts/_details.html", trigger=toast("Contact saved."), contact=contact)


@bp.post("/<int:contact_id>/delete")
@require("contacts.delete")
def contacts_delete(contact_id):
    """Delete (softly): Undo brings it back."""
    contact = _contact(contact_id)
    return delete_record(CONTACTS, contacts.delete_contact, contact, contact.full_name)


@bp.post("/<int:contact_id>/restore")
@require("contacts.delete")
def contacts_restore(contact_id):
    """Undo a delete."""
    contact = _contact(contact_id, include_deleted=True)
    return restore_record(CONTACTS, contacts.restore_contact, contact, contact.full_name)


# Emails and phones, inline

POINTS = {
    "email": {"template": "contacts/_emails.html", "items": "emails", "add": contacts.add_email,
              "primary": contacts.make_primary_email, "remove": contacts.remove_email, "id": "email_id"},
    "phone": {"template": "contacts/_phones.html", "items": "phones", "add": contacts.add_phone,
              "primary": contacts.make_primary_phone, "remove": contacts.remove_phone, "id": "phone_id"},
}


def _points_response(contact_id: int, kind: str, status: int = 200, message: str | None = None, **form_state):
    """The emails (or phones) section again; the whole page when the browser has no htmx."""
    contact = _contact(contact_id)
    context = {f"{kind}_form": form_state, "contact": contact, **CHOICES}
    if not wants_fragment():
        if status == 200 and not form_state:
            if message:
                flash(message, "success")
            return redirect(url_for("contacts.contacts_show", contact_id=contact.id), 303)
        context |= _page_context(contact)
    return render("contacts/show.html", POINTS[kind]["template"], status=status,
                  trigger=toast(message) if message else None, **context)


def _add_point(contact_id: int, kind: str):
    contact = _contact(contact_id)
    values = {k: request.form.get(k, "") for k in ("email", "number", "kind", "primary")}
    try:
        row = POINTS[kind]["add"](contact, request.form)
    except ServiceError as error:
        db.session.rollback()
        return _points_response(contact_id, kind, 422, values=values, errors={error.field or "_": error.message})
    except PossibleDuplicates as found:
        db.session.rollback()
        return _points_response(contact_id, kind, values=values, duplicates=found.duplicates)
    db.session.commit()
    added = row.email if kind == "email" else contacts.display_phone(row.number)
    return _points_response(contact_id, kind, message=f"Added {added}.")


def _change_point(contact_id: int, kind: str, action: str):
    contact = _contact(contact_id)
    row = contacts.find_point(getattr(contact, POINTS[kind]["items"]), request.form.get(POINTS[kind]["id"]))
    if row is None:
        abort(404)
    label = row.email if kind == "email" else contacts.display_phone(row.number)
    POINTS[kind][action](contact, row)
    db.session.commit()
    return _points_response(contact_id, kind, message=f"{label} is now the primary {kind}." if action == "primary"
                            else f"Removed {label}.")


@bp.post("/<int:contact_id>/emails")
@require("contacts.edit")
def contacts_email_add(contact_id):
    """Add an email address (warns first when another contact or a lead has it)."""
    return _add_point(contact_id, "email")


@bp.post("/<int:contact_id>/emails/primary")
@require("contacts.edit")
def contacts_email_primary(contact_id):
    """Make one of the contact's email addresses the primary one."""
    return _change_point(contact_id, "email", "primary")


@bp.post("/<int:contact_id>/emails/remove")
@require("contacts.edit")
def contacts_email_remove(contact_id):
    """Remove an email address (the next one becomes primary if needed)."""
    return _change_point(contact_id, "email", "remove")


@bp.post("/<int:contact_id>/phones")
@require("contacts.edit")
def contacts_phone_add(contact_id):
    """Add a phone number, stored in E.164 (warns first when another contact or a lead has it)."""
    return _add_point(contact_id, "phone")


@bp.post("/<int:contact_id>/phones/primary")
@require("contacts.edit")
def contacts_phone_primary(contact_id):
    """Make one of the contact's phone numbers the primary one."""
    return _change_point(contact_id, "phone", "primary")


@bp.post("/<int:contact_id>/phones/remove")
@require("contacts.edit")
def contacts_phone_remove(contact_id):
    """Remove a phone number (the next one becomes primary if needed)."""
    return _change_point(contact_id, "phone", "remove")


# Merging

def _check_can_merge() -> None:
    if not can("contacts.delete"):
        abort(403, description="Your role does not allow merging contacts: a merge removes one of the two, "
                               "which needs the permission to delete contacts.")


@bp.get("/<int:contact_id>/merge")
@require("contacts.edit")
def contacts_merge_form(contact_id):
    """Choose the contact to merge into this one, then compare the two before merging."""
    _check_can_merge()
    contact = _contact(contact_id)
    other_value = request.args.get("other_id")
    if other_value:
        other = _contact(contacts.parse_id(other_value) or 0)
        if other.id == contact.id:
            flash("Choose a different contact: a contact cannot be merged into itself.", "error")
            return redirect(url_for("contacts.contacts_merge_form", contact_id=contact.id), 303)
        return render_template("contacts/merge.html", contact=contact, other=other,
                               preview=contacts.merge_preview(contact, other), method_labels=contacts.METHOD_LABELS)
    q = (request.args.get("q") or "").strip()[:100]
    likely, matches = contacts.merge_candidates(contact, q)
    return render_template("contacts/merge.html", contact=contact, other=None, q=q, likely=likely, matches=matches)


@bp.post("/<int:contact_id>/merge")
@require("contacts.edit")
def contacts_merge(contact_id):
    """Merge the chosen contact into this one: everything moves here, the other is retired."""
    _check_can_merge()
    contact = _contact(contact_id)
    other_id = contacts.parse_id(request.form.get("other_id"))
    if other_id == contact.id:
        return render_template("_notice.html", level="error",
                               message="Choose a different contact: a contact cannot be merged into itself."), 422
    other = _contact(other_id or 0)
    contacts.merge_contacts(contact, other)
    db.session.commit()
    flash(f"Merged {other.full_name} into {contact.full_name}: every email, phone, interaction, note, task and tag "
          "is on this contact now.", "success")
    return after_create("contacts.contacts_show", contact_id=contact.id)
