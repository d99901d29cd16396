"""The root of every error Verbund raises on purpose.

This module imports nothing, so every layer (the pure engine and planning included) can use it.

    VerbundError
     ├── EngineError                 the routing engine refused something
     │    ├── CommandRefused         a command is illegal in the current state; names both
     │    ├── UnknownEntity          a command names a contact, agent, provider or queue the engine
     │    │                          does not know
     │    └── ConfigurationError     a hotline configuration is inconsistent or impossible
     └── PlanningError (ValueError)  staffing math got an argument it cannot work with; names it

Foreign exceptions are translated at the boundary (``raise ... from exc``). What a user sees is the
message: it says what was wrong and what to do, never a traceback.
"""


class VerbundError(Exception):
    """Something Verbund refuses, with a message meant for the person who asked."""


class EngineError(VerbundError):
    """The routing engine refused a command or a configuration; it changed nothing.

    ``effects`` holds what the timers that fell due before the refused command decided (time
    still advanced), so that no decision is lost when a command is refused.
    """

    def __init__(self, message: str, effects: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.effects = effects


class CommandRefused(EngineError):
    """A command that is illegal in the current state; names the state and the command."""


class UnknownEntity(CommandRefused):
    """A command names something the engine does not know."""


class ConfigurationError(EngineError):
    """A configuration the engine cannot run with."""


class PlanningError(VerbundError, ValueError):
    """An argument the staffing math cannot work with: the message names it and says why."""
