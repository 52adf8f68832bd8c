"""The outbox's dispatcher (docs/architecture.md, "The outbox"): claims outboxed events and
expands them into deliveries through the expanders it is handed, then claims due deliveries
and hands each to the sender of its channel. Any number of processes run it at once; leases
keep each event expanded once and each attempt made by one process.

It knows no channel: the webhooks' and messages' expanders and senders are handed in by
``services/platform.py`` (they live on a floor above)."""
