"""What the families' asset definitions share: the key of the staged city registry and the retry
policy of assets that call a live API."""

import dagster as dg

#: `staging/reference` (assets/reference): staging.cities and staging.focus_areas; every asset
#: that matches city names or reads the focus areas depends on it
REGISTRY = dg.AssetKey(["staging", "reference"])

#: for assets that call a live API: the HTTP client already retried transient failures; an
#: outage gets two more attempts, 30 s and 90 s later
RETRY = dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL)
