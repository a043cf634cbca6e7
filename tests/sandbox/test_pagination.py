"""Lists: newest first, cursor pagination, has_more, url, expand on list items."""

from __future__ import annotations

import pytest
import stripe

from .conftest import Account
from .helpers import card_payment


@pytest.fixture
def customer_ids(account: Account) -> list[str]:
    """Seven customers, newest first (Stripe's list order)."""
    created = [
        account.client.v1.customers.create(params={"email": f"c{index}@example.com"}).id
        for index in range(7)
    ]
    return created[::-1]


def test_cursor_pages(account: Account, customer_ids: list[str]) -> None:
    customers = account.client.v1.customers
    first = customers.list(params={"limit": 3})
    assert [item.id for item in first.data] == customer_ids[:3]
    assert (first.has_more, first.url, first.object) == (True, "/v1/customers", "list")
    second = customers.list(params={"limit": 3, "starting_after": first.data[-1].id})
    assert [item.id for item in second.data] == customer_ids[3:6]
    assert second.has_more is True
    last = customers.list(params={"limit": 3, "starting_after": second.data[-1].id})
    assert [item.id for item in last.data] == customer_ids[6:]
    assert last.has_more is False
    back = customers.list(params={"limit": 3, "ending_before": second.data[0].id})
    assert [item.id for item in back.data] == customer_ids[:3]
    assert back.has_more is False
    back_one = customers.list(params={"limit": 2, "ending_before": last.data[0].id})
    assert [item.id for item in back_one.data] == customer_ids[4:6]
    assert back_one.has_more is True


def test_auto_paging_walks_everything(account: Account, customer_ids: list[str]) -> None:
    walked = [
        item.id for item in account.client.v1.customers.list(params={"limit": 2}).auto_paging_iter()
    ]
    assert walked == customer_ids


def test_default_limit_and_bounds(account: Account, customer_ids: list[str]) -> None:
    assert len(account.client.v1.customers.list().data) == 7
    for limit in (0, 101):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            account.client.v1.customers.list(params={"limit": limit})
        assert caught.value.param == "limit"


def test_expand_on_list_items(account: Account) -> None:
    card_payment(account, amount=700)
    page = account.client.v1.payment_intents.list(
        params={"expand": ["data.latest_charge.balance_transaction"]}
    )
    assert page.data[0].latest_charge.object == "charge"
    assert page.data[0].latest_charge.balance_transaction.object == "balance_transaction"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        account.client.v1.payment_intents.list(params={"expand": ["data.amount"]})
    assert caught.value.param == "expand"


def test_created_filter(account: Account, customer_ids: list[str]) -> None:
    newest = account.client.v1.customers.retrieve(customer_ids[0])
    later = account.client.v1.customers.list(params={"created": {"gt": newest.created}})
    assert later.data == []
    same = account.client.v1.customers.list(
        params={"created": {"gte": newest.created}, "limit": 100}
    )
    assert newest.id in [item.id for item in same.data]
