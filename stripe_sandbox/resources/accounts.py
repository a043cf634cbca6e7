"""GET /v1/account: the account the API key belongs to."""

from __future__ import annotations

from typing import Any

from ..api import Ctx, endpoint


@endpoint("GET", "/v1/account")
def retrieve_account(ctx: Ctx) -> dict[str, Any]:
    return ctx.render(ctx.account)
