"""Observed retry statistics smoothed into rejection rates (domain.md).

``r = (rejected_observed + w * r0) / (attempts_observed + w)``, capped at 0.95,
so that a handful of attempts cannot swing the rate far from the assumed one.

>>> smoothed_rejection_rate(attempts=80, accepted=60, assumed=Decimal("0.1"), weight=20)
Decimal('0.22')
>>> smoothed_rejection_rate(attempts=0, accepted=0, assumed=Decimal("0.1"), weight=20)
Decimal('0.1')
"""

from decimal import Decimal

from catalog.costing import MAX_REJECTION_RATE


def smoothed_rejection_rate(*, attempts: int, accepted: int, assumed: Decimal, weight: int) -> Decimal:
    if attempts + weight == 0:
        return min(assumed, MAX_REJECTION_RATE)
    rate = (Decimal(attempts - accepted) + weight * assumed) / (attempts + weight)
    return min(rate, MAX_REJECTION_RATE)


def plan_rejection_rates(
    *,
    models: list[str],
    assumed: Decimal,
    assumed_per_model: dict[str, Decimal],
    plan_observed: dict[str, tuple[int, int]],
    team_observed: dict[str, tuple[int, int]],
    weight: int,
) -> dict[str, Decimal]:
    """The rate used for each model: the plan's own records for that model if it has
    any, else the team-wide ones; ``(attempts, accepted)`` per model slug."""
    rates = {}
    for model in models:
        attempts, accepted = plan_observed.get(model) or team_observed.get(model) or (0, 0)
        rates[model] = smoothed_rejection_rate(
            attempts=attempts,
            accepted=accepted,
            assumed=assumed_per_model.get(model, assumed),
            weight=weight,
        )
    return rates
