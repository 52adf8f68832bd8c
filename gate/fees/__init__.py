"""The border-gate infrastructure fee (phí sử dụng kết cấu hạ tầng cửa khẩu, issue 19): schedule
versions, the fee fixed for each crossing with its invoice number, and what a cancellation
refunds. The rules are gate/domain/fees.py; docs/architecture.md, "Fees and payment"."""
