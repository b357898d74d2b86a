"""ID cards: one per account, numbered once per institution."""

from pymongo.errors import DuplicateKeyError

from educatenext.platform.mongo.repository import TenantRepository
from educatenext.platform.values import utcnow


class IdCardRepository(TenantRepository):
    """ID cards of one institution."""

    collection_name = "id_cards"

    def by_holder(self, user_id):
        """The card of an account, or None."""
        return self.find_one({"userId": user_id})

    def issue(self, card):
        """Insert a first card; a concurrent first issue for the same account wins instead."""
        try:
            return self.insert(card)
        except DuplicateKeyError:
            earlier = self.by_holder(card["userId"])
            if earlier is None:
                raise  # a unique index other than the holder's
            return earlier

    def reissue(self, card, number, valid_until, by_user_id):
        """Replace the card number (the old one is kept in previousNumbers); None if lost."""
        now = utcnow()
        replaced = {"cardNumber": card["cardNumber"], "issuedAt": card["issuedAt"],
                    "replacedAt": now, "replacedBy": by_user_id}  # fmt: skip
        changes = {"cardNumber": number, "issuedAt": now, "validUntil": valid_until,
                   "digitalWalletAdded": False, "walletAddedAt": None,
                   "updatedAt": now}  # fmt: skip
        written = self.collection.update_one(
            self.scoped({"_id": card["_id"], "cardNumber": card["cardNumber"]}),
            {"$set": changes, "$push": {"previousNumbers": replaced}},
            session=self.session,
        )
        if not written.matched_count:
            return None
        previous = [*card.get("previousNumbers", []), replaced]
        return {**card, **changes, "previousNumbers": previous}

    def mark_in_wallet(self, card):
        """Record that the holder added the card to a phone wallet (the first time only)."""
        if card.get("digitalWalletAdded"):
            return card
        now = utcnow()
        changes = {"digitalWalletAdded": True, "walletAddedAt": now, "updatedAt": now}
        written = self.collection.update_one(
            self.scoped({"_id": card["_id"], "digitalWalletAdded": False}),
            {"$set": changes},
            session=self.session,
        )
        return {**card, **changes} if written.matched_count else self.get(card["_id"])
