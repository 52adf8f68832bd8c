"""Messages to people (issue 15): drivers and enterprise users told by e-mail, SMS and Zalo,
in their language, within their quiet hours and rate limit. The outbox (gate/outbox) calls
this package's expander and senders; the rules are gate/domain/messages.py."""
