"""Webhooks to enterprises (issue 15; docs/architecture.md, "Webhooks"): their endpoints,
the outbox's expander and sender for the ``webhook`` channel, the delivery log."""
