"""The audit log (nhật ký kiểm toán): every transition, hash-chained per gate, verifiable."""
