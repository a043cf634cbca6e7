"""The one flow of a form posted to a service: validate, act, commit, answer; or show the form
again with its errors.

Routes say only what differs: the service call, the answer after success, and the page that
shows the form. ``ListPage`` is that flow for the pages that list entries and change them in
place (currencies, fees, tax rates, questions, discount codes, a shop's products and
categories).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import flash, url_for
from werkzeug.wrappers import Response

from app.core.errors import ServiceError
from app.extensions import db
from app.web.forms import KassaForm
from app.web.rendering import render, render_after_change

Result = TypeVar("Result")


def submit_form(
    form: KassaForm,
    action: Callable[[], Result],
    *,
    on_success: Callable[[Result], Response],
    template: str,
    partial: str | None = None,
    context: Callable[[], Mapping[str, Any]],
    message: str | Callable[[Result], str] | None = None,
) -> Response:
    """Validate ``form``, then run ``action`` (the service call; it reads the form). On success
    commit, flash ``message`` (a text, or one made from the action's result) and answer with
    ``on_success(result)``.

    Otherwise show the form: ``template``, or ``partial`` for a plain HTMX request, with
    ``context()`` (called only then, so a success does not pay for it). A posted form is shown
    with 422 and its errors; one not posted (the GET of a page that posts to itself) with 200.

    A ``ServiceError`` becomes an error on its field, or on the form when it names none, and
    the session is rolled back: nothing the refused action changed can be committed by anything
    later in the request (a page whose context commits, as the storefront's does).
    """
    if form.validate_on_submit():
        try:
            result = action()
        except ServiceError as refusal:
            db.session.rollback()
            form.add_error(refusal.field, str(refusal.message))
        else:
            db.session.commit()
            if message is not None:
                flash(message(result) if callable(message) else message, "success")
            return on_success(result)
    status = 422 if form.is_submitted() else 200
    return render(template, partial, status=status, **context())


@dataclass(frozen=True)
class ListPage:
    """A page that lists entries, with forms that add or change them and buttons that remove
    or move them. After every change it answers the same way: the list's partial for HTMX,
    else a redirect to the page (so a reload does not post again)."""

    page: str
    partial: str
    endpoint: str
    context: Callable[..., Mapping[str, Any]]  # (the page's form, or None for a blank one)

    def show(self) -> Response:
        return render(self.page, self.partial, **self.context(None))

    def submit(
        self,
        form: KassaForm,
        action: Callable[[], Result],
        message: str | Callable[[Result], str],
        *,
        context: Callable[[], Mapping[str, Any]] | None = None,
    ) -> Response:
        """``submit_form`` on this page. A refused ``form`` is shown as the page's form, unless
        ``context`` places it elsewhere (a form of one row)."""
        return submit_form(
            form,
            action,
            message=message,
            on_success=lambda _result: self.after_change(),
            template=self.page,
            partial=self.partial,
            context=context or (lambda: self.context(form)),
        )

    def changed(self, message: str, category: str = "info") -> Response:
        """After a change that needs no form (a remove or move button): commit, then the list."""
        db.session.commit()
        flash(message, category)
        return self.after_change()

    def after_change(self) -> Response:
        return render_after_change(self.partial, url_for(self.endpoint), **self.context(None))
