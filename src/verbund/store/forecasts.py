"""The latest forecast uploaded per hotline: the CSV as uploaded, the goals it is planned with,
when and by whom. A new upload replaces the old one; the plan is computed again from the text
(``verbund.planning``), so what is kept is what the coordinator gave, not a derived table."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from verbund.store.database import Database, translate_errors
from verbund.store.tables import forecasts

__all__ = ["StoredForecast", "load_forecast", "save_forecast"]


@dataclass(frozen=True, slots=True)
class StoredForecast:
    source: str  # the uploaded file's name
    text: str  # the CSV text
    target: float  # seconds
    service_level: float  # a fraction
    shrinkage: float  # a fraction
    uploaded: float  # Unix seconds
    uploaded_by: str  # the user's name


def save_forecast(database: Database, hotline: str, forecast: StoredForecast) -> None:
    """Keep ``forecast`` as the hotline's latest, replacing the one before."""
    values = {
        "source": forecast.source,
        "text": forecast.text,
        "target": forecast.target,
        "service_level": forecast.service_level,
        "shrinkage": forecast.shrinkage,
        "uploaded": forecast.uploaded,
        "uploaded_by": forecast.uploaded_by,
    }
    insert = postgresql.insert if database.dialect == "postgresql" else sqlite.insert
    statement = insert(forecasts).values(hotline=hotline, **values)
    statement = statement.on_conflict_do_update(
        index_elements=["hotline"], set_={k: statement.excluded[k] for k in values}
    )
    with translate_errors(f"saving the forecast of hotline {hotline!r}"), database.write() as c:
        c.execute(statement)


def load_forecast(database: Database, hotline: str) -> StoredForecast | None:
    """The hotline's latest forecast, or None when none was uploaded."""
    query = sa.select(*[c for c in forecasts.c if c.name != "hotline"]).where(
        forecasts.c.hotline == hotline
    )
    with translate_errors(f"reading the forecast of hotline {hotline!r}"), database.read() as c:
        row = c.execute(query).first()
    return None if row is None else StoredForecast(**row._mapping)
