"""Evaluate as deployed: its services built from the real adapters (the one place that names them). Each handler
builds what it needs once per process and resource names (functions/evaluate, functions/api, functions/ingest)."""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from standing import catalog, config
from standing.adapters import queue, simulations_store, standing_store
from standing.adapters.preferences import PreferencesStore
from standing.evaluate.changes import StandingChanges
from standing.evaluate.partner import PartnerEvaluator
from standing.evaluate.ports import utc_now
from standing.evaluate.runs import Evaluator
from standing.evaluate.simulation import Simulations
from standing.evaluate.views import StandingViews


def evaluator_from_config() -> Evaluator:
    """The evaluator on the StateTable (standing_store), EvaluateQueue (queue), the layer's programs (catalog) and
    the system clock, with the deployment's at-risk margin (AT_RISK_MARGIN)."""
    return Evaluator(
        standing_store,
        queue,
        catalog,
        utc_now,
        at_risk_margin=Decimal(config.at_risk_margin()),
        simulations=simulations_from_config().on_work,
    )


def simulations_from_config() -> Simulations:
    """Deployed simulations: partners read from the StateTable, everything written under the simulation's id."""
    return Simulations(standing_store, simulations_store, queue, catalog, utc_now)


def changes_from_config() -> StandingChanges:
    """Membership and risk-flag changes alone, for a function that runs no evaluation (the aggregation of
    partner-state events): the store and the programs, no queue and no at-risk margin."""
    return StandingChanges(standing_store, catalog, PartnerEvaluator(standing_store, catalog))


@cache
def _changes_for(state_table: str) -> StandingChanges:
    return changes_from_config()


def standing_changes() -> StandingChanges:
    """The API's and the aggregation's standing changes, built once per process and StateTable (a process serving
    several deployments, as the local run does, never mixes them)."""
    return _changes_for(config.state_table())


@cache
def _simulations_for(state_table: str, queue_url: str) -> Simulations:
    return simulations_from_config()


def simulations() -> Simulations:
    """The API's simulations (started there, worked by the evaluate worker), built once per process and
    resource names."""
    return _simulations_for(config.state_table(), config.evaluate_queue_url())


@cache
def _views_for(state_table: str) -> StandingViews:
    return StandingViews(standing_store, catalog, PreferencesStore(state_table), utc_now)


def standing_views() -> StandingViews:
    """The API's and the partner page's read model, built once per process and StateTable."""
    return _views_for(config.state_table())
