"""The stage board, and moving a deal from one stage to another (by drag and drop or by the
stage menu, on the board or on the record page)."""

import json
from functools import partial
from urllib.parse import urlencode

from flask import abort
from flask import current_app
from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from crm.blueprints.common import get_or_404
from crm.blueprints.opportunities import bp
from crm.blueprints.opportunities.cards import CardUrls
from crm.blueprints.opportunities.cards import render_cards
from crm.extensions import db
from crm.htmx import is_htmx
from crm.htmx import render
from crm.htmx import toast
from crm.models import Opportunity
from crm.models import PipelineStage
from crm.permissions import can
from crm.permissions import require
from crm.services import ServiceError
from crm.services import board as board_service
from crm.services import pipeline
from crm.services import stage_moves
from crm.services.records import active_members
from tenants.web import current_org

_SENTINEL = 987654321987654


def _owner_filter(value) -> tuple[str, int | None, str | None]:
    """The owner filter as the URL gives it ("", "mine" or a member's id): the value to keep in
    links, the owner's id and a notice when the value made no sense."""
    value = (value or "").strip()
    if not value:
        return "", None, None
    if value == "mine":
        return "mine", current_user.id, None
    if value.isdigit() and len(value) <= 18:
        return value, int(value), None
    return "", None, f"Ignored the owner filter “{value[:40]}”: pick an owner from the list."


def _url_template(endpoint: str) -> str | None:
    """A %-template of a per-deal URL; None while the endpoint does not exist."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, opportunity_id=_SENTINEL).replace("%", "%%").replace(str(_SENTINEL), "%d")


def _board_url(owner: str) -> str:
    return url_for("opportunities.board", owner=owner or None)


def _context(stages, owner: str) -> dict:
    urls = CardUrls(move=_url_template("opportunities.opportunities_move"),
                    show=_url_template("opportunities.opportunities_show"))
    board_cards = partial(render_cards, urls=urls, currency=_currency(), can_move=can("opportunities.edit"),
                          back=urlencode({"next": _board_url(owner), "owner": owner}))
    return dict(stages=stages, owner=owner, board_cards=board_cards, can_move=can("opportunities.edit"),
                currency=_currency(), recent_days=board_service.RECENT_DAYS,
                list_url=url_for("opportunities.opportunities_list"))


def _currency() -> str:
    return current_org().currency


@bp.get("/board/stages/<int:stage_id>/cards")
@require("opportunities.view")
def board_column(stage_id):
    """The next cards of an open column, after the cursor in ``after`` (the column's "Show more"),
    with the "Show more" that follows them out of band."""
    stage = get_or_404(PipelineStage, stage_id)
    if stage.kind != "open":
        abort(404)
    owner, owner_id, _ = _owner_filter(request.args.get("owner"))
    try:
        page = board_service.page(stage, owner_id, request.args.get("after"))
    except board_service.BadCursor:
        message = "Those cards could not be found: reload the board to see the column from its start."
        return _with_headers(make_response(message, 400), HX_Reswap="none", HX_Trigger=toast(message, "error"))
    return render_template("opportunities/_board_page.html", column=page, **_context([stage], owner))


@bp.get("/board")
@require("opportunities.view")
def board():
    """One column per stage with its count, total and weighted total; cards move by drag and
    drop or by each card's stage menu."""
    owner, owner_id, notice = _owner_filter(request.args.get("owner"))
    columns = board_service.load(owner_id)
    stages = [column.stage for column in columns]
    return render("opportunities/board.html", "opportunities/_board.html", columns=columns, notice=notice,
                  members=active_members, **_context(stages, owner))


def _live(opportunity_id) -> Opportunity:
    opportunity = get_or_404(Opportunity, opportunity_id)
    if opportunity.deleted_at is not None:
        abort(404)
    return opportunity


def _next() -> str:
    """Where a plain form goes back to: a path on this site, else the board."""
    target = (request.values.get("next") or "").strip()
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and len(target) < 500 \
            and all(32 < ord(c) < 127 for c in target):
        return target
    return url_for("opportunities.board")


def _with_headers(response, **headers):
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = json.dumps(value) if isinstance(value, dict) else value
    return response


def _from_board() -> bool:
    return is_htmx() and (request.values.get("board") == "1" or request.headers.get("HX-Target") == "board-dialog")


def _menu(opportunity, *, chosen, error=None, values=None, status=200):
    """The stage menu with the reason and note: a dialog over the board, else a page."""
    on_board = _from_board()
    owner, _, _ = _owner_filter(request.values.get("owner")) if on_board else ("", None, None)
    context = dict(opportunity=opportunity, stages=pipeline.list_stages(), chosen=chosen, error=error,
                   values=values or {}, board=on_board, owner=owner, next=_next())
    if on_board:
        body = render_template("opportunities/_move_dialog.html", **context)
        return _with_headers(make_response(body, status), HX_Retarget="#board-dialog", HX_Reswap="innerHTML")
    return make_response(render_template("opportunities/move.html", **context), status)


@bp.get("/<int:opportunity_id>/stage")
@require("opportunities.edit")
def opportunities_move_form(opportunity_id):
    """Pick the deal's new stage (and say why, for won or lost): the keyboard's way to move it."""
    opportunity = _live(opportunity_id)
    return _menu(opportunity, chosen=stage_moves.find_stage(request.args.get("stage_id")))


@bp.post("/<int:opportunity_id>/stage")
@require("opportunities.edit")
def opportunities_move(opportunity_id):
    """Move a deal to another stage; won and lost stages first ask why."""
    opportunity = _live(opportunity_id)
    on_board = _from_board()
    owner, owner_id, _ = _owner_filter(request.form.get("owner")) if on_board else ("", None, None)
    from_stage_id = opportunity.stage_id
    try:
        change = stage_moves.move_opportunity(opportunity, request.form.get("stage_id"),
                                              reason=request.form.get("reason"), note=request.form.get("note"))
    except ServiceError as error:
        db.session.rollback()
        return _refused(opportunity_id, error, on_board, owner, owner_id)
    name = opportunity.name
    stage_name = change.to_stage_name if change else None
    db.session.commit()
    message = f"Moved {name} to {stage_name}." if change else f"{name} is already in that stage."
    if on_board:
        return _moved_on_board(opportunity_id, {from_stage_id, opportunity.stage_id}, owner, owner_id, message)
    if is_htmx():
        return _with_headers(make_response("", 204), HX_Redirect=_next())
    flash(message, "success")
    return redirect(_next(), 303)


def _moved_on_board(opportunity_id: int, stage_ids: set, owner: str, owner_id: int | None, message: str):
    stages = pipeline.list_stages()
    totals = board_service.header_totals(stage_ids, owner_id)
    changed = [board_service.Column(stage, *totals.get(stage.id, (0, 0, 0))) for stage in stages
               if stage.id in stage_ids]
    body = render_template("opportunities/_board_moved.html", card=board_service.card(opportunity_id),
                           changed=changed, **_context(stages, owner))
    return _with_headers(make_response(body), HX_Trigger=toast(message))


def _refused(opportunity_id: int, error: ServiceError, on_board: bool, owner: str, owner_id: int | None):
    """A refused move: the menu again with the message when it came from the menu or lacks a
    reason; else (a drop) the message, with the board redrawn so that the card goes back."""
    opportunity = _live(opportunity_id)
    if error.field in ("reason", "note") or "reason" in request.form:
        return _menu(opportunity, chosen=stage_moves.find_stage(request.form.get("stage_id")), error=error,
                     values=request.form, status=422)
    if on_board:
        columns = board_service.load(owner_id)
        body = render_template("opportunities/_board.html", columns=columns,
                               **_context([column.stage for column in columns], owner))
        return _with_headers(make_response(body, 422), HX_Retarget="#board-columns", HX_Reswap="outerHTML",
                             HX_Trigger=toast(error.message, "error"))
    if is_htmx():
        return _with_headers(make_response("", 204), HX_Trigger=toast(error.message, "error"))
    flash(error.message, "error")
    return redirect(_next(), 303)
