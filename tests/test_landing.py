"""Asset retries are spent on outages, not on errors a retry cannot fix."""

import dagster as dg
import pytest

from pipelines.framework.http import SourceError
from pipelines.framework.landing import permanent_errors_fail_fast


@pytest.mark.parametrize(
    "error",
    [
        SourceError("worldbank_indicators", "http://x/v2", "HTTP 404: not found", status=404),
        ValueError("data/inbox/register.csv: missing required column(s): status"),
    ],
)
def test_permanent_errors_fail_without_retry(error):
    with pytest.raises(dg.Failure) as caught, permanent_errors_fail_fast():
        raise error
    assert caught.value.allow_retries is False
    assert str(error) in caught.value.description


@pytest.mark.parametrize("status", [None, 429, 503])
def test_outages_are_left_to_the_retry_policy(status):
    error = SourceError("osm_overpass", "http://x/api", "gave up after 6 attempts", status=status)
    with pytest.raises(SourceError), permanent_errors_fail_fast():
        raise error
