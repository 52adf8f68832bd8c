"""Check-in (ghi nhận xe vào bãi): the hot path from a camera's read to a queued vehicle."""
