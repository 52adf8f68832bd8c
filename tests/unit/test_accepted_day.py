"""One rule for the local days the platform reads figures of (gate/domain/time.py):
the statistics page, the open data API and ``gate simulate`` keep the same bounds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gate.domain.errors import ValidationFailed
from gate.domain.time import FIRST_DAY, LAST_DAY, accepted_day
from services.api.statistics import endpoints
from services.web.statistics_view import parse_day


def test_a_day_from_2000_to_2100_is_accepted_and_none_outside():
    assert accepted_day("2000-01-01") == FIRST_DAY == date(2000, 1, 1)
    assert accepted_day(" 2100-12-31 ") == LAST_DAY == date(2100, 12, 31)
    for wrong in ("1900-01-01", "1999-12-31", "2101-01-01", "2026-02-30", "30/11/2026", ""):
        with pytest.raises(ValidationFailed) as refused:
            accepted_day(wrong, field="from")
        assert refused.value.extensions == {"field": "from"}, wrong


def test_the_page_and_the_open_data_keep_the_same_rule():
    # The open data checks its days with the domain's one rule (day_in_range), not a copy.
    assert endpoints._in_range(FIRST_DAY, "from", LAST_DAY) == FIRST_DAY
    for outside in (FIRST_DAY - timedelta(days=1), LAST_DAY + timedelta(days=1)):
        with pytest.raises(ValidationFailed) as refused:
            endpoints._in_range(outside, "from", LAST_DAY + timedelta(days=2))
        assert refused.value.extensions["field"] == "from"
    assert parse_day("2000-01-01") == FIRST_DAY
    with pytest.raises(ValidationFailed):
        parse_day("1999-12-31")
