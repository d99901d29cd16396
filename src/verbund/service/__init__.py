"""The live service: the engine of each hotline run with the real clock, journal first.

    settings = load_settings()
    service = Service(open_database(settings.database_url), settings)
    await service.start()
    outcome = await service.hotline("116117").runner.submit(ContactArrived(...))

``runner`` (the single writer per hotline), ``live`` (the read model the pages and the state API
show), ``bus`` (effects to connected desktops and chat pages), ``conversations`` (chat and social
messages, stored first, then published), ``accounts`` (passwords, roles, tokens),
``settings``, ``demo`` (bots that play callers and agents). Imports ``engine``, ``store`` and
``sim`` only.
"""

from verbund.service.accounts import AccountError, Principal, TokenSigner
from verbund.service.bus import EventBus
from verbund.service.conversations import ChatTokens, Conversations, citizen_state
from verbund.service.hotlines import Hotline, HotlineExists, Service, UnknownHotline
from verbund.service.live import LiveView
from verbund.service.runner import HotlineRunner, JournalUnavailable, Outcome, Overloaded
from verbund.service.settings import Settings, SettingsError, load_settings

__all__ = [
    "AccountError",
    "ChatTokens",
    "Conversations",
    "EventBus",
    "Hotline",
    "HotlineExists",
    "HotlineRunner",
    "JournalUnavailable",
    "LiveView",
    "Outcome",
    "Overloaded",
    "Principal",
    "Service",
    "Settings",
    "SettingsError",
    "TokenSigner",
    "UnknownHotline",
    "citizen_state",
    "load_settings",
]
