"""An engine can be pickled whole: the live service snapshots it that way, then replays the
journal after the snapshot."""

import pickle

from verbund.engine import (
    AgentLoggedIn,
    AgentReady,
    AgentSpec,
    ContactArrived,
    Engine,
    HotlineConfig,
    OfferAccepted,
    ProviderSpec,
    RoutingRules,
    TimeAdvanced,
    TopicSpec,
    replay,
)


def _config() -> HotlineConfig:
    return HotlineConfig(
        "h",
        topics=(TopicSpec("termin", ("de",)),),
        providers=(ProviderSpec("A"), ProviderSpec("B")),
        agents=(AgentSpec("a1", "A", {("termin", "de"): 1}),),
        rules=RoutingRules(announce_interval=30.0),
    )


def test_snapshot_plus_the_rest_of_the_log_equals_the_whole_log():
    log = [
        (0.0, AgentLoggedIn("a1")),
        (1.0, AgentReady("a1")),
        (2.0, ContactArrived("c1", "+491", "termin", "de")),
        (3.0, ContactArrived("c2", "+492", "termin", "de")),
        (4.0, ContactArrived("c3", "+493", "termin", "de")),
        (5.0, OfferAccepted("c1", "a1")),
        (70.0, TimeAdvanced()),
        (71.0, ContactArrived("c4", "+494", "termin", "de")),
    ]
    whole, whole_effects = replay(_config(), log)

    first, first_effects = replay(_config(), log[:4])
    restored: Engine = pickle.loads(pickle.dumps(first))
    rest_effects = [effect for now, command in log[4:] for effect in restored.handle(command, now)]

    assert restored.snapshot() == whole.snapshot()
    assert first_effects + rest_effects == whole_effects
