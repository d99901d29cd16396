"""The web layer: FastAPI JSON API, WebSockets, health and metrics (pages come here too).

Imports ``service`` (and through it what the service exposes); never the engine's internals.
"""

from verbund.web.app import create_app

__all__ = ["create_app"]
