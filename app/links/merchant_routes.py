"""The payment link pages of the merchant panel."""

from __future__ import annotations

import io
from base64 import b64encode
from typing import Any

from flask import current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from app.catalog.service import list_products, refused_settings
from app.checkout.buyer_routes import Preview, preview_page
from app.checkout.documents import PageLink
from app.core.clock import utcnow
from app.core.errors import ServiceError
from app.core.methods import PaymentMethod
from app.extensions import db
from app.links import blueprint, service
from app.links.document import LinkDocument
from app.links.forms import FOLLOW_SETTINGS, LineForm, LinkForm, NewLinkForm
from app.links.labels import REFUSAL_MESSAGES, STATUS_EXPLANATIONS, STATUS_LABELS
from app.links.models import PaymentLink, PaymentLinkLine
from app.links.service import DOCUMENT_TYPE
from app.merchants.auth import current_merchant, login_required
from app.merchants.scoping import get_owned_or_404
from app.payments.documents import register_document_page
from app.settings.models import Collect
from app.settings.service import accepted_methods, account_currencies
from app.web.form_views import submit_form
from app.web.rendering import render, render_after_change


def _list_context() -> dict[str, Any]:
    return {
        "sales": service.list_links(db.session, current_merchant()),
        "status_labels": STATUS_LABELS,
        "refusal_messages": REFUSAL_MESSAGES,
    }


@blueprint.get("/")
@login_required
def links() -> Response:
    return render("links/links.html", "links/_links.html", **_list_context())


def _collect(value: str | None) -> Collect | None:
    return Collect(value) if value and value != FOLLOW_SETTINGS else None


def _details(form: LinkForm) -> service.LinkDetails:
    return service.LinkDetails(
        name=form.name.data or "",
        methods=[PaymentMethod(m) for m in form.methods.data] if form.methods.data else None,
        billing_address=_collect(form.billing_address.data),
        shipping_address=_collect(form.shipping_address.data),
        phone=_collect(form.phone.data),
        message=form.message.data or "",
        redirect_url=form.redirect_url.data or "",
        payment_limit=form.payment_limit.value,
        last_day=form.last_day.data,
    )


def _line_details(form: LineForm) -> service.LineDetails:
    return service.LineDetails(
        product_id=int(form.product.data) if form.product.data else None,
        description=form.description.data or "",
        amount=form.amount.money,
        quantity=form.quantity.value or 1,
        adjustable_quantity=bool(form.adjustable_quantity.data),
        min_quantity=form.min_quantity.value or 1,
        max_quantity=form.max_quantity.value or 1,
        optional=bool(form.optional.data),
    )


def _form_options() -> dict[str, Any]:
    merchant = current_merchant()
    return {
        "currencies": account_currencies(db.session, merchant),
        "products": list_products(db.session, merchant),
    }


def _methods() -> list[PaymentMethod]:
    return accepted_methods(db.session, current_merchant())


@blueprint.route("/new", methods=["GET", "POST"])
@login_required
def new_link() -> Response:
    form = NewLinkForm(methods=_methods(), **_form_options())
    return submit_form(
        form,
        lambda: service.create_link(
            db.session,
            current_merchant(),
            form.currency.data or "",
            _details(form),
            _line_details(form),
        ),
        message=lambda link: _("%(name)s created.", name=link.name),
        on_success=lambda link: redirect(url_for("links.edit_link", link_id=link.id)),
        template="links/new_link.html",
        context=lambda: {"form": form},
    )


def _link_form(link: PaymentLink, **kwargs: Any) -> LinkForm:
    form = LinkForm(obj=link, methods=_methods(), **kwargs)
    if not form.is_submitted():
        form.methods.data = list(link.payment_methods or [])
        for question in ("billing_address", "shipping_address", "phone"):
            value = getattr(link, question)
            form[question].data = value.value if value else FOLLOW_SETTINGS
    if not form.payment_limit.raw_data:  # a number field holds text, not the stored int
        form.payment_limit.data = str(link.payment_limit or "")
    return form


def _status_context(link: PaymentLink) -> dict[str, Any]:
    status = service.link_state(db.session, link)
    return {
        "status_label": STATUS_LABELS[status],
        "status_explanation": STATUS_EXPLANATIONS[status],
    }


def _public_url() -> str:
    return str(current_app.extensions["kassa_settings"].public_url)


def _share_context(link: PaymentLink) -> dict[str, Any]:
    """The link's address and its QR code (an SVG in a data address, so no second request)."""
    svg = service.link_qr_code(_public_url(), link, "svg")
    return {
        "address": service.link_address(_public_url(), link),
        "qr_image": "data:image/svg+xml;base64," + b64encode(svg).decode("ascii"),
    }


def _lines_context(link: PaymentLink, line_form: LineForm | None = None) -> dict[str, Any]:
    problem = service.pricing_problem(link, utcnow().date())
    if line_form is None:
        line_form = LineForm(formdata=None, **_form_options())
        line_form.currency.data = link.currency
    return {
        "link": link,
        "line_form": line_form,
        "pricing_problem": REFUSAL_MESSAGES[problem] if problem else None,
        "refused": refused_settings(db.session, current_merchant()),
        "refusal_messages": REFUSAL_MESSAGES,
    }


def _editor_context(
    link: PaymentLink, form: LinkForm | None = None, line_form: LineForm | None = None
) -> dict[str, Any]:
    """The editor page: the link's form, its lines with the add-a-line form, status and sharing."""
    return {
        "form": form or _link_form(link, formdata=None),
        **_lines_context(link, line_form),
        **_status_context(link),
        **_share_context(link),
    }


@blueprint.route("/<int:link_id>", methods=["GET", "POST"])
@login_required
def edit_link(link_id: int) -> Response:
    link = get_owned_or_404(PaymentLink, link_id)
    form = _link_form(link)
    return submit_form(
        form,
        lambda: service.update_link(db.session, current_merchant(), link, _details(form)),
        message=lambda saved: _("%(name)s saved.", name=saved.name),
        on_success=lambda saved: redirect(url_for("links.edit_link", link_id=saved.id)),
        template="links/edit_link.html",
        context=lambda: _editor_context(link, form=form),
    )


def _qr_download(link_id: int, kind: str, mimetype: str) -> Response:
    link = get_owned_or_404(PaymentLink, link_id)
    return send_file(
        io.BytesIO(service.link_qr_code(_public_url(), link, kind)),
        mimetype=mimetype,
        as_attachment=True,
        download_name=service.qr_file_name(link, kind),
        max_age=0,
    )


@blueprint.get("/<int:link_id>/qr.svg")
@login_required
def qr_code_svg(link_id: int) -> Response:
    return _qr_download(link_id, "svg", "image/svg+xml")


@blueprint.get("/<int:link_id>/qr.png")
@login_required
def qr_code_png(link_id: int) -> Response:
    return _qr_download(link_id, "png", "image/png")


@blueprint.post("/<int:link_id>/duplicate")
@login_required
def duplicate_link(link_id: int) -> Response:
    link = get_owned_or_404(PaymentLink, link_id)
    copy = service.duplicate_link(
        db.session, current_merchant(), link, _("Copy of %(name)s", name=link.name)
    )
    db.session.commit()
    flash(_("Copy made. You are now editing %(name)s.", name=copy.name), "success")
    return redirect(url_for("links.edit_link", link_id=copy.id))


def _after_status_change(link: PaymentLink) -> Response:
    """The list's table when the button was in the list (``?from=list``), else the editor's
    status card; a plain post is redirected to the page it came from."""
    if request.args.get("from") == "list":
        return render_after_change("links/_links.html", url_for("links.links"), **_list_context())
    return render_after_change(
        "links/_status.html",
        url_for("links.edit_link", link_id=link.id),
        link=link,
        **_status_context(link),
    )


@blueprint.post("/<int:link_id>/deactivate")
@login_required
def deactivate_link(link_id: int) -> Response:
    link = get_owned_or_404(PaymentLink, link_id)
    service.deactivate_link(db.session, link)
    db.session.commit()
    flash(
        _("%(name)s deactivated. Buyers now see that the link is not active.", name=link.name),
        "info",
    )
    return _after_status_change(link)


@blueprint.post("/<int:link_id>/reactivate")
@login_required
def reactivate_link(link_id: int) -> Response:
    link = get_owned_or_404(PaymentLink, link_id)
    service.reactivate_link(db.session, link)
    db.session.commit()
    flash(_("%(name)s reactivated.", name=link.name), "success")
    return _after_status_change(link)


@blueprint.post("/<int:link_id>/lines")
@login_required
def add_line(link_id: int) -> Response:
    link = get_owned_or_404(PaymentLink, link_id)
    form = LineForm(**_form_options())
    return submit_form(
        form,
        lambda: service.add_line(db.session, current_merchant(), link, _line_details(form)),
        message=_("Line added."),
        on_success=lambda _result: render_after_change(
            "links/_lines.html",
            url_for("links.edit_link", link_id=link.id),
            **_lines_context(link),
        ),
        template="links/edit_link.html",
        partial="links/_lines.html",
        context=lambda: _editor_context(link, line_form=form),
    )


def _set_line_optional(link_id: int, line_id: int, optional: bool) -> Response:
    line = get_owned_or_404(PaymentLinkLine, line_id, link_id=link_id)
    try:
        service.set_line_optional(db.session, line, optional)
    except ServiceError as refusal:
        flash(str(refusal.message), "error")
    else:
        db.session.commit()
        if optional:
            flash(_("%(item)s is optional: buyers may add it.", item=line.title), "success")
        else:
            flash(_("%(item)s is no longer optional.", item=line.title), "success")
    return render_after_change(
        "links/_lines.html",
        url_for("links.edit_link", link_id=link_id),
        **_lines_context(line.link),
    )


@blueprint.post("/<int:link_id>/lines/<int:line_id>/optional")
@login_required
def make_line_optional(link_id: int, line_id: int) -> Response:
    return _set_line_optional(link_id, line_id, True)


@blueprint.post("/<int:link_id>/lines/<int:line_id>/required")
@login_required
def make_line_required(link_id: int, line_id: int) -> Response:
    return _set_line_optional(link_id, line_id, False)


@blueprint.post("/<int:link_id>/lines/<int:line_id>/remove")
@login_required
def remove_line(link_id: int, line_id: int) -> Response:
    line = get_owned_or_404(PaymentLinkLine, line_id, link_id=link_id)
    link = line.link
    try:
        service.remove_line(db.session, line)
    except ServiceError as refusal:
        flash(str(refusal.message), "error")
    else:
        db.session.commit()
        flash(_("Line removed."), "info")
    return render_after_change(
        "links/_lines.html",
        url_for("links.edit_link", link_id=link_id),
        **_lines_context(link),
    )


@blueprint.get("/<int:link_id>/preview")
@login_required
def preview(link_id: int) -> Response:
    """The link's page as a new buyer sees it, with no checkout opened (inactive and closed
    links too, with a note of what buyers see instead)."""
    return preview_page(
        LinkDocument(get_owned_or_404(PaymentLink, link_id)),
        Preview(
            intro=_l(
                "This is the page buyers see when they open this link. Nothing can be sent or "
                "paid here."
            ),
            back=PageLink(
                url_for("links.edit_link", link_id=link_id), _l("Back to the link's editor")
            ),
            refusal_notes=REFUSAL_MESSAGES,
        ),
    )


register_document_page(
    DOCUMENT_TYPE, lambda payment: url_for("links.edit_link", link_id=int(payment.document_id))
)
