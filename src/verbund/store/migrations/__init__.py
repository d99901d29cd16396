"""Alembic migrations of the Verbund schema, packaged with the code.

Run them through :func:`verbund.store.upgrade` (``verbund db upgrade``); there is no
``alembic.ini``. A new revision: change ``verbund/store/tables.py``, then
``python -m verbund.store.migrations "what changed"`` writes a migration to review.
"""
