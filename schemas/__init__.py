"""Marshmallow schemas: they validate and shape data, and never touch the database."""
