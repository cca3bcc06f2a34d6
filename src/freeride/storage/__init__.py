"""Storage: SQLAlchemy tables, repositories, the batched recorder and the Alembic migrations.

The entry points the composition root needs: ``create_engine(url)``, ``await upgrade(url)`` on
start, ``Repositories.from_engine(engine)`` and ``Recorder(engine, queue, run_id, clock=...)``.
"""
