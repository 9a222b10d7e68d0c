"""Reference tables copied from `seed/` by `flask seed reference`, for SQL grouping and joins."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from registry.extensions import db


class RefCountry(db.Model):
    """An ISO 3166-1 country and its UN M49 placement."""

    __tablename__ = "ref_countries"

    alpha2: Mapped[str] = mapped_column(String(2), primary_key=True)
    alpha3: Mapped[str] = mapped_column(String(3), unique=True)
    numeric: Mapped[str] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(String(3), default="")
    region_name: Mapped[str] = mapped_column(String(100), default="")
    subregion_code: Mapped[str] = mapped_column(String(3), default="")
    subregion_name: Mapped[str] = mapped_column(String(100), default="")


class RefSector(db.Model):
    """An OECD DAC 5-digit purpose code with its category and infrastructure group."""

    __tablename__ = "ref_sectors"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(3))
    category_name: Mapped[str] = mapped_column(String(300), default="")
    sector_group: Mapped[str] = mapped_column(String(20))
    withdrawn: Mapped[bool] = mapped_column(default=False)
