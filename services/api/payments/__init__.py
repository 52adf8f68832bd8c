"""Payment providers' notifications (issue 19): money received for fees."""
