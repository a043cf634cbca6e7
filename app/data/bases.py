"""Mixins shared by the models of every feature.

They name the merchants table by its name only, so a feature's models point at the merchant
without this module (or the merchant's) knowing any feature.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column


class MerchantOwned:
    """Mixin for every row a merchant owns: the column the scoped helpers filter on."""

    merchant_id: Mapped[int] = mapped_column(
        ForeignKey("merchants.id", ondelete="CASCADE"), index=True
    )


class ShownToBuyers:
    """Marks a model whose rows the cached public pages (the shop's, a link's, an invoice's) or
    the settings buyer pages keep per version show: saving, adding or deleting one renews its
    merchant's ``public_version``, so nothing cached outlives it."""

    @property
    def owning_merchant_id(self) -> int | None:
        return getattr(self, "merchant_id", None)
