"""The latest uploaded forecast per hotline: it comes back as saved, a new upload replaces it, and
it goes with its hotline."""

from __future__ import annotations

import sqlalchemy as sa

from verbund.store import Database, StoredForecast, load_forecast, save_forecast
from verbund.store.tables import hotlines

TEXT = "interval_start,topic,calls,aht\n2021-01-12T08:00,termin,120,300\n"


def forecast(**changes: object) -> StoredForecast:
    values: dict[str, object] = {
        "source": "januar.csv",
        "text": TEXT,
        "target": 20.0,
        "service_level": 0.8,
        "shrinkage": 0.3,
        "uploaded": 1_610_438_400.25,
        "uploaded_by": "koordination",
    }
    return StoredForecast(**{**values, **changes})  # type: ignore[arg-type]


def test_no_forecast_is_none(database: Database, hotline: str) -> None:
    assert load_forecast(database, hotline) is None


def test_a_forecast_comes_back_as_it_was_saved(database: Database, hotline: str) -> None:
    saved = forecast(text=TEXT + "2021-01-12T08:15,impfung,7.5,240\n" + "ä" * 10)

    save_forecast(database, hotline, saved)

    assert load_forecast(database, hotline) == saved


def test_a_new_upload_replaces_the_one_before(database: Database, hotline: str) -> None:
    save_forecast(database, hotline, forecast())
    newer = forecast(source="februar.csv", service_level=0.9, uploaded=1_612_000_000.0)

    save_forecast(database, hotline, newer)

    assert load_forecast(database, hotline) == newer
    with database.read() as c:
        count = c.execute(
            sa.text("SELECT count(*) FROM forecasts WHERE hotline = :h"), {"h": hotline}
        )
        assert count.scalar() == 1


def test_the_forecast_goes_with_its_hotline(database: Database, hotline: str) -> None:
    save_forecast(database, hotline, forecast())

    with database.write() as c:
        c.execute(sa.delete(hotlines).where(hotlines.c.name == hotline))

    assert load_forecast(database, hotline) is None
