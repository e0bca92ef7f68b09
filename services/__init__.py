"""Workflows that use the database: ingest, supervision sweeps, red flags, file loaders,
notifications, ratings, complaints. They call ``db/`` and ``domain/``; ``schema/`` and ``api/`` call them.
"""
