"""The public boards' broadcast server: a gate's live board to thousands of viewers a process."""
