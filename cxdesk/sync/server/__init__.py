"""The central API: FastAPI over SQLAlchemy Core, on SQLite (embedded default) or PostgreSQL.

``create_app`` (``app.py``) builds the application; ``push.py`` and ``feed.py``
hold the two transactions the protocol is made of; ``central.py`` is how the
server writes its own events (roster, devices, seeds) through the same path.
``models.py`` declares the schema; ``migrations.py`` brings a database to it
with Alembic on every start.
"""
