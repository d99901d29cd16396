"""The citizen's web chat page: no login, German by default, English through the same switch.

    /chat               to the chat of the first hotline
    /chat/{hotline}     pick topic and language, write, see the replies live, leave

The page only talks to the chat API (``chat_api``) with the token its start answered with; the
token stays in the browser tab (sessionStorage), so a reload or a language switch resumes the
chat. Texts go through the same catalogues as the other pages.
"""

from __future__ import annotations

from urllib.parse import quote

from babel import Locale, UnknownLocaleError
from fastapi import APIRouter, Request, Response

from verbund.errors import UnknownEntity
from verbund.web.auth import service_of
from verbund.web.i18n import gettext_for, language
from verbund.web.pages import PageRoute, redirect, render

__all__ = ["router"]

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def language_name(code: str, lang: str) -> str:
    """``de`` → "Deutsch" (in German) or "German" (in English); the code itself if unknown."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(lang)
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return name[:1].upper() + name[1:] if name else code


@router.get("/chat")
async def chat_index(request: Request) -> Response:
    hotlines = sorted(service_of(request).hotlines)
    if not hotlines:
        raise UnknownEntity("no hotline is configured yet")
    return redirect(f"/chat/{quote(hotlines[0])}")


@router.get("/chat/{hotline}")
async def chat(request: Request, hotline: str) -> Response:
    service = service_of(request)
    service.hotline(hotline)
    config = await service.config(hotline)
    lang = language(request)
    _ = gettext_for(request)
    topics = [
        {
            "name": topic.name,
            "languages": [{"code": c, "label": language_name(c, lang)} for c in topic.languages],
        }
        for topic in config.topics
    ]
    texts = {
        "waiting": _("You are number %(position)s in the queue. Expected wait: %(wait)s."),
        "waiting_unknown": _("You are in the queue. An advisor will be with you shortly."),
        "connected": _("An advisor is writing with you."),
        "ended": _("The chat has ended. Thank you for writing to us."),
        "rejected": _("All advisors are busy right now. Please try again in %(minutes)s minutes."),
        "connecting": _("Connecting…"),
        "you": _("You"),
        "advisor": _("Advisor"),
        "system": _("Notice"),
        "system_texts": {"caller_left": _("You have left the chat.")},
        "failed": _("That did not work: %(detail)s"),
    }
    return render(
        request,
        "chat.html",
        None,
        hotline=hotline,
        topics=topics,
        texts=texts,
    )
