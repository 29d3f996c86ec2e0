"""A registry with an approved model, a policy that references it, and `cipipe model serve`
running in a thread on 127.0.0.1 (the real server, bound to port 0)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cipipe.adapters.history.sqlalchemy_store import open_store
from cipipe.risk.model.decision_score import ModelChoice, load_referenced
from cipipe.risk.model.registry import Registry
from cipipe.risk.model.serve import ModelServer, ModelSource, serve_model
from cipipe.risk.model.train import TrainedModel
from cipipe.risk.policy.bundle import load_policy_bundle
from cipipe.steps.decide_strategy.store_row import recorded_row
from tests.conftest import CliResult
from tests.steps.decide_strategy.model_policy import CONTEXT, policy_with_model, promote
from tests.support.loopback import running_in_thread

Cli = Callable[..., CliResult]


@dataclass(frozen=True)
class Setup:
    registry: Registry
    policy: Path
    db: Path
    context: Path
    version: str


def approved_setup(cli: Cli, tmp_path: Path, trained: TrainedModel) -> Setup:
    """The trained model saved and promoted (registry and history store), and the policy."""
    registry = Registry(tmp_path / "models")
    registry.save(trained, by="test")
    promote(cli, tmp_path, registry, trained.version)
    context = tmp_path / "context.yaml"
    context.write_text(CONTEXT)
    policy = policy_with_model(tmp_path, trained.version)
    return Setup(registry, policy, tmp_path / "history.sqlite3", context, trained.version)


@contextmanager
def running(setup: Setup) -> Iterator[ModelServer]:
    """The model service of ``setup`` on a free loopback port for the ``with`` block."""
    bundle = load_policy_bundle(setup.policy)
    store = open_store(str(setup.db), default_path=setup.db)

    def choose() -> ModelChoice:
        choice = load_referenced(bundle, setup.registry.root, store)
        assert choice is not None
        return choice

    source = ModelSource(setup.registry.root, choose)
    # As `cipipe model serve` runs it: a --from-db model's features from the store's records.
    server = serve_model(source, bundle, "127.0.0.1", 0, recorded_row(store))
    try:
        with running_in_thread(server):
            yield server
    finally:
        store.close()
