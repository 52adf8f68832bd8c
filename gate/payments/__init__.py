"""Payment of the infrastructure fee (issue 19): money received (a payment provider's
notification, an officer's cash), matched to the fee by its invoice number, marking it paid
and releasing the truck held for it; the refunds owed. docs/architecture.md, "Fees and
payment"."""
