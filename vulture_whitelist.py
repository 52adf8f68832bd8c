"""Names vulture (scripts/test) cannot see used, because a framework or the wire reads them
by name. Functions registered by a decorator (Litestar handlers, pytest fixtures, Locust tasks
and listeners, SQLAlchemy events) are skipped by ``[tool.vulture] ignore_decorators`` in
pyproject.toml instead. Add a name here only with the reason it is read; a name that is not
read anywhere is dead code and goes.

Vulture's format: each line reads the name as an attribute of ``_``; nothing runs this file.
"""

# Litestar reads a controller's class attributes: OpenAPI tags, pages kept out of the schema,
# its own exception handlers (the statistics pages' refusals as pages).
_.tags
_.include_in_schema
_.exception_handlers
# Litestar's templates read the CSRF token from the scope state (their csrf_token()).
_.csrf_token

# Fields that are written to the wire or the database and read by clients, not by our code.
_.queue_position  # a check-in's answer (gate/checkins/judging.py)
_.previous_slot_start  # an event's payload (gate/domain/events.py)
_.posted_at  # boards' notices, officers' notices
_.service_rate_per_hour  # public board (gate/live/messages.py)
_.rate_measured
_.estimated_wait_minutes
_.free_places
_.order_code  # officer board's dispatched trucks (gate/live/messages.py), read by the console
_.yard_name
_.left_yard
_.dispatch  # officer board: each direction's dispatch rule
_.estimated_call_at  # enterprise and officer streams
_.estimated_exit_at
_.position_at  # a booking's road (services/api/driver/schemas.py)
_.dispatch_order
_.created_by  # who made a driver link, kept on its row for the enterprise's own records
_.slot_end  # a booking (services/api/bookings/schemas.py)
_.plate_normalised  # a vehicle (services/api/fleet/schemas.py)
_.schedules  # a gate (services/api/gates/schemas.py)
_.posted_by  # a notice's column: who posted it, kept for the record
_.minutes_left  # a dispatch order (services/api/dispatch/schemas.py)
_.order_code  # a dispatch event's payload and audit data (gate/domain/events.py)
_.capacity_before  # a calendar change's payload, read by the capacity.changed webhook
_.capacity_after  # (gate/domain/events.py, gate/webhooks/capacity.py)
_.ended_at  # a yard visit's end, written by dispatch, read with the yard's visits
_.end_reason
_.in_service  # a waiting yard (services/api/yards/schemas.py)

# Enum members reached by value (``DeviceKind("kiosk")``, ``CustomsChannel("red")``).
_.LPR_CAMERA
_.KIOSK
_.EXIT  # YardWatch("exit"), a yard device's
_.GREEN
_.YELLOW
_.RED

# Alembic reads each migration module's revision variables.
_.branch_labels
_.depends_on

# SQLAlchemy: the declarative base's type map, a TypeDecorator's hooks, the attributes an
# engine event sets on its context or connection.
_.type_annotation_map
_.impl
_.cache_ok
_.process_bind_param
_.process_result_value
_.is_disconnect
_.isolation_level

# logging.config.dictConfig calls the formatter factory named in a string (gate/logs.py).
_.json_formatter
_.WithRequestId  # and the request id filter named in a string

# Locust calls these on every user class; it reads its environment's exit code at the end.
_.wait_time
_.on_start
_.on_stop
_.process_exit_code

# uvicorn's Server stops when its should_exit turns true (tests/asgi.py).
_.should_exit

# html.parser.HTMLParser calls its handlers by name
# (tests/integration/test_driver_page_without_script.py).
_.handle_starttag
_.handle_endtag
_.handle_data

# The outbox's columns (gate/store/tables/outbox.py) the dispatcher writes by name in an
# UPDATE's values, and the webhook endpoints' and attempts' columns the delivery log and the
# webhooks' pages read (docs/architecture.md, "The outbox").
_.event_types
_.enabled
_.disabled_reason
_.rotated_secrets
# A wire field of the webhooks API's endpoint view (services/api/webhooks/schemas.py).
_.previous_secret_until
_.last_status
_.delivered_at
_.delivery_id

# Wire fields of the message choices' answers (services/api/messages/schemas.py), read by
# the clients, and aiosmtpd's handler hooks the SMTP server calls by name
# (tests/message_receivers.py).
_.available_events
_.handle_DATA
_.handle_RCPT

# The console's outbox panel's figures, read by its template
# (frontend/templates/console/outbox_panel.html).
_.oldest_minutes
_.endpoints_disabled

# The statistics' open data (services/api/statistics/schemas.py): wire fields read by clients.
_.bookings_made
_.trucks_checked_in
_.trucks_exited
_.wait_for_call
_.places_offered
_.places_held
_.min_trucks
# Its fees' totals (issue 19), wire fields read by clients.
_.fees_fixed
_.received_by_qr_vnd
_.received_in_cash_vnd
_.billed_to_statements_vnd
_.fees_voided
# A band of minutes (open data) and the board's wait chart's band (gate/live/messages.py),
# read by clients and frontend/static/board.js.
_.from_minutes
_.to_minutes
_.median_from
_.median_to

# SQLAlchemy's hook of a Bundle, called by name when a statement selecting it is loaded
# (gate/checkins/devices.py: the check-in's devices as DeviceSeen values).
_.create_row_processor

# A truck's details in the console (gate/yard/details.py), read by its template
# (frontend/templates/console/truck_details.html); an hour's capacity changed, wire fields of
# the API's answer (services/api/gates/schemas.py) read by clients.
_.enterprise_name
_.enterprise_tax_code
_.driver_name
_.above_capacity
_.bookings_kept

# Fair rebooking (docs/architecture.md): the counts of a calendar change's answer
# (services/api/gates/schemas.py) and when a booking was moved (bookings.rebooked_at, the
# booking's answer), read by clients; the hour a move came from (gate/bookings/rebooking.py's
# Rebooked), read by the callers that report each move.
_.bookings_moved
_.rebooked_at
_.from_hour

# No-show accountability (issue 18): who excused a no-show, kept on the booking for the
# record (gate/bookings/no_shows.py); the enterprise's standing and an excuse's answer, wire
# fields of the API (services/api/bookings/no_shows.py) read by clients.
_.no_show_excused_by
_.excused_at
_.window_days
_.peak_places_of_10

# The infrastructure fee (issue 19): columns kept for the record (gate/store/tables/fees.py):
# when a fee was fixed and paid, what a cancellation refunds, a payment's fee, transaction and
# receipt, a refund's payment and when it was sent; written by the fees' use cases and read
# by the receipts, statements and statistics.
_.fixed_at
_.paid_at
_.refund_amount_vnd
_.fee_id
_.transaction_id
_.receipt_number
_.payment_id
_.sent_at
_.schedule_version  # a fee's receipt (services/api/cash/schemas.py): the schedule it was charged by
_.account_name  # a VietQR code's payee, read by frontend/templates/_pay_code.html

# The logging module's switches, read by the logging module (gate/logs.py, json_formatter),
# and the mark RedactSecrets leaves on a record it has been through (read back by vars()).
_._srcfile
_.logThreads
_.logMultiprocessing
_._redacted
