"""Dispatch orders (lệnh điều tiết): keeping each gate's control yard fed from the waiting
yards, automatically below a target or by an officer's hand, with deadlines (the rules are in
``gate/domain/dispatch.py``)."""
