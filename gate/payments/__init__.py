"""Payments of fees (issue 19; docs/architecture.md, "Fees and payment"): the providers'
adapters, their notifications marking fees paid, cash recorded by officers, refunds sent."""
