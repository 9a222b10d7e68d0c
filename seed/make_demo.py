"""Generate the demo partner ministries and infrastructure projects for the registry.

Writes ``seed/demo/organisations.json`` and ``seed/demo/projects.json`` (UTF-8,
indent=1, sorted, byte-identical on every run) from curated lists below and a
seeded ``random.Random(20261124)``.  Every name, project and amount is fictional
and marked as demo data; the only real company names are the high-risk vendors a
security review is meant to catch.

The mix is mostly ordinary infrastructure (ports, roads, rail, power, telecoms,
water) plus deliberate screening cases: high-risk 5G, surveillance and drone
vendors, undersea cables, seabed surveys and offshore wind, foreign state-owned
investors, dual-use technology, projects that disclose no contractor or vendor,
and look-alike names that must not match a vendor list.

After writing, the script re-reads both files and checks every rule of the
project record contract, printing a summary.  The checks use only the standard
library; if ``pycountry`` is importable it is also used to verify countries,
subdivisions and currencies, and if the IATI ``Sector.xml`` codelist is found
every sector code is checked to be active in it.

    python seed/make_demo.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

SEED = 20261124
PROJECT_COUNT = 340
TODAY = dt.date(2026, 11, 1)  # no actual date may fall after this
FIRST_DATE, LAST_DATE = dt.date(2015, 1, 1), dt.date(2031, 12, 31)
HERE = Path(__file__).resolve().parent

# --------------------------------------------------------------------------- #
# Reference lists (contract vocabularies)
# --------------------------------------------------------------------------- #

STATUSES = ("pipeline", "implementation", "finalisation", "closed", "cancelled", "suspended")
STATUS_WEIGHTS = (18, 42, 9, 19, 6, 6)
INSTRUMENTS = ("grant", "loan", "equity", "guarantee", "export_credit", "other")
ROLES = (
    "funding",
    "accountable",
    "extending",
    "implementing",
    "contractor",
    "supplier",
    "operator",
    "investor",
)
TECH_CATEGORIES = (
    "5g_ran",
    "5g_core",
    "telecom_backbone",
    "undersea_cable",
    "satellite_ground_station",
    "data_centre",
    "surveillance_camera",
    "drone_uas",
    "port_automation",
    "grid_scada",
    "nuclear",
    "semiconductor",
    "ai_system",
    "quantum",
    "other",
)
MARITIME = (
    "seabed_survey",
    "bathymetry",
    "geological_survey",
    "water_quality_sampling",
    "undersea_cable_laying",
    "offshore_wind",
    "port_construction",
    "dredging",
)
EXPORT_CATEGORIES = ("1", "2", "3", "4", "5P1", "5P2", "6", "7", "8", "9")
RECORD_FIELDS = (
    "identifier",
    "title",
    "description",
    "status",
    "recipient_countries",
    "sectors",
    "dates",
    "finance",
    "participants",
    "technologies",
    "maritime_activities",
    "export_control_categories",
    "locations",
    "tags",
)
DATE_KEYS = ("planned_start", "planned_end", "actual_start", "actual_end")
ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW", "VND"}  # ISO 4217 minor unit 0

# Fallback when Sector.xml cannot be found: the codes this script uses, all of
# which were active in IATI-Codelists at 75e827b.
USED_SECTOR_CODES = {
    "14010",
    "14015",
    "14020",
    "14021",
    "14022",
    "14040",
    "14050",
    "21010",
    "21011",
    "21012",
    "21013",
    "21020",
    "21021",
    "21023",
    "21024",
    "21030",
    "21040",
    "21050",
    "21061",
    "22010",
    "22011",
    "22020",
    "22040",
    "23110",
    "23111",
    "23112",
    "23181",
    "23183",
    "23210",
    "23220",
    "23230",
    "23231",
    "23240",
    "23250",
    "23260",
    "23340",
    "23410",
    "23510",
    "23620",
    "23630",
    "23631",
    "23642",
}

# --------------------------------------------------------------------------- #
# Partner ministries (reporting organisations)
# --------------------------------------------------------------------------- #

ORGANISATIONS = [
    {
        "ref": "AU-GOV-1",
        "name": "Department of Foreign Affairs and Trade, Australia (demo)",
        "country": "AU",
        "type": "10",
    },
    {
        "ref": "DE-GOV-1",
        "name": "Federal Ministry for Economic Cooperation and Development, Germany (demo)",
        "country": "DE",
        "type": "10",
    },
    {
        "ref": "GB-GOV-1",
        "name": "Foreign, Commonwealth & Development Office, United Kingdom (demo)",
        "country": "GB",
        "type": "10",
    },
    {
        "ref": "JP-GOV-1",
        "name": "Ministry of Foreign Affairs of Japan (demo)",
        "country": "JP",
        "type": "10",
    },
    {
        "ref": "JP-GOV-2",
        "name": "Ministry of Economy, Trade and Industry of Japan (demo)",
        "country": "JP",
        "type": "10",
    },
    {
        "ref": "JP-JIDA",
        "name": "Japan International Development Agency (demo)",
        "country": "JP",
        "type": "15",
    },
    {
        "ref": "KR-GOV-1",
        "name": "Ministry of Foreign Affairs of the Republic of Korea (demo)",
        "country": "KR",
        "type": "10",
    },
    {
        "ref": "US-GOV-1",
        "name": "United States Department of State (demo)",
        "country": "US",
        "type": "10",
    },
]

# short name, project weight, instrument weights, currency weights, region weights, group weights
ORG_PROFILES = {
    "AU-GOV-1": {
        "short": "DFAT",
        "weight": 45,
        "instruments": {"grant": 5, "loan": 3, "guarantee": 1, "equity": 1},
        "currencies": {"AUD": 3, "USD": 1},
        "regions": {"PAC": 6, "SEA": 3, "SAS": 1},
        "groups": {"ports": 2, "transport": 2, "energy": 3, "telecoms": 2, "water": 2},
    },
    "DE-GOV-1": {
        "short": "BMZ",
        "weight": 30,
        "instruments": {"grant": 5, "loan": 4, "other": 1},
        "currencies": {"EUR": 6, "USD": 1},
        "regions": {"AF": 3, "EUR": 2, "LAT": 2, "SAS": 1, "ME": 1, "CAS": 1},
        "groups": {"ports": 1, "transport": 2, "energy": 4, "telecoms": 1, "water": 3},
    },
    "GB-GOV-1": {
        "short": "the FCDO",
        "weight": 35,
        "instruments": {"grant": 5, "guarantee": 2, "equity": 2, "other": 1},
        "currencies": {"GBP": 3, "USD": 1},
        "regions": {"AF": 3, "SAS": 2, "SEA": 1, "EUR": 2, "ME": 1, "PAC": 1, "LAT": 1},
        "groups": {"ports": 1, "transport": 2, "energy": 3, "telecoms": 2, "water": 2},
    },
    "JP-GOV-1": {
        "short": "Japan's Ministry of Foreign Affairs",
        "weight": 45,
        "instruments": {"grant": 7, "loan": 2, "other": 1},
        "currencies": {"JPY": 3, "USD": 1},
        "regions": {"SEA": 4, "SAS": 2, "CAS": 1, "AF": 2, "PAC": 2, "LAT": 1, "ME": 1, "EUR": 1},
        "groups": {"ports": 2, "transport": 3, "energy": 2, "telecoms": 2, "water": 3},
    },
    "JP-GOV-2": {
        "short": "METI",
        "weight": 40,
        "instruments": {"export_credit": 7, "guarantee": 4, "equity": 4, "loan": 3, "other": 2},
        "currencies": {"JPY": 1, "USD": 1},
        "regions": {"SEA": 4, "SAS": 2, "CAS": 1, "AF": 1, "LAT": 1, "ME": 2, "EUR": 1},
        "groups": {"ports": 2, "transport": 3, "energy": 4, "telecoms": 2, "water": 1},
    },
    "JP-JIDA": {
        "short": "JIDA",
        "weight": 75,
        "instruments": {"loan": 13, "grant": 6, "other": 1},
        "currencies": {"JPY": 4, "USD": 1},
        "regions": {"SEA": 5, "SAS": 3, "CAS": 1, "AF": 2, "PAC": 1, "LAT": 1, "ME": 1, "EUR": 1},
        "groups": {"ports": 3, "transport": 4, "energy": 3, "telecoms": 1, "water": 2},
    },
    "KR-GOV-1": {
        "short": "Korea's Ministry of Foreign Affairs",
        "weight": 35,
        "instruments": {"loan": 9, "export_credit": 4, "grant": 7},
        "currencies": {"KRW": 1, "USD": 1},
        "regions": {"SEA": 3, "CAS": 2, "AF": 2, "LAT": 1, "SAS": 1, "ME": 1},
        "groups": {"ports": 2, "transport": 3, "energy": 3, "telecoms": 2, "water": 2},
    },
    "US-GOV-1": {
        "short": "the U.S. Department of State",
        "weight": 35,
        "instruments": {"loan": 7, "equity": 4, "guarantee": 4, "grant": 5},
        "currencies": {"USD": 1},
        "regions": {"LAT": 2, "AF": 2, "SEA": 2, "SAS": 1, "EUR": 2, "ME": 1, "PAC": 1},
        "groups": {"ports": 2, "transport": 3, "energy": 3, "telecoms": 2, "water": 1},
    },
}

DONOR_COUNTRY_NAMES = {
    "AU": "Australia",
    "DE": "Germany",
    "GB": "the United Kingdom",
    "JP": "Japan",
    "KR": "the Republic of Korea",
    "US": "the United States",
}

# --------------------------------------------------------------------------- #
# Recipient countries and sites
# --------------------------------------------------------------------------- #

# code: (English name, region, (lat_min, lat_max, lon_min, lon_max), company suffix, language)
COUNTRIES = {
    "VN": ("Viet Nam", "SEA", (8.4, 23.4, 102.1, 109.5), "JSC", "en"),
    "ID": ("Indonesia", "SEA", (-11.0, 6.1, 95.0, 141.1), "PT", "en"),
    "PH": ("the Philippines", "SEA", (4.5, 21.2, 116.9, 126.7), "Inc.", "en"),
    "TH": ("Thailand", "SEA", (5.6, 20.5, 97.3, 105.7), "Co., Ltd.", "en"),
    "MY": ("Malaysia", "SEA", (0.8, 7.4, 99.6, 119.3), "Sdn. Bhd.", "en"),
    "KH": ("Cambodia", "SEA", (10.4, 14.7, 102.3, 107.7), "Co., Ltd.", "en"),
    "LA": ("Lao PDR", "SEA", (13.9, 22.5, 100.1, 107.7), "Sole Co., Ltd.", "en"),
    "MM": ("Myanmar", "SEA", (9.6, 28.6, 92.2, 101.2), "Co., Ltd.", "en"),
    "TL": ("Timor-Leste", "SEA", (-9.5, -8.1, 124.0, 127.4), "Lda.", "pt"),
    "IN": ("India", "SAS", (6.7, 35.7, 68.1, 97.4), "Pvt. Ltd.", "en"),
    "BD": ("Bangladesh", "SAS", (20.7, 26.7, 88.0, 92.7), "Ltd.", "en"),
    "LK": ("Sri Lanka", "SAS", (5.9, 9.9, 79.6, 81.9), "(Pvt) Ltd", "en"),
    "NP": ("Nepal", "SAS", (26.3, 30.5, 80.0, 88.2), "Pvt. Ltd.", "en"),
    "PK": ("Pakistan", "SAS", (23.6, 37.1, 60.9, 77.9), "(Pvt.) Ltd.", "en"),
    "MV": ("Maldives", "SAS", (-0.7, 7.2, 72.6, 73.8), "Pvt Ltd", "en"),
    "MN": ("Mongolia", "CAS", (41.5, 52.2, 87.7, 119.9), "LLC", "en"),
    "UZ": ("Uzbekistan", "CAS", (37.1, 45.6, 55.9, 73.2), "LLC", "en"),
    "KZ": ("Kazakhstan", "CAS", (40.5, 55.5, 46.4, 87.4), "LLP", "en"),
    "GE": ("Georgia", "CAS", (41.0, 43.6, 40.0, 46.8), "LLC", "en"),
    "KE": ("Kenya", "AF", (-4.8, 5.1, 33.9, 41.9), "Ltd", "en"),
    "TZ": ("Tanzania", "AF", (-11.8, -0.9, 29.3, 40.5), "Ltd", "en"),
    "ET": ("Ethiopia", "AF", (3.4, 14.9, 32.9, 48.0), "PLC", "en"),
    "NG": ("Nigeria", "AF", (4.2, 13.9, 2.6, 14.7), "Ltd", "en"),
    "GH": ("Ghana", "AF", (4.6, 11.2, -3.3, 1.2), "Ltd", "en"),
    "EG": ("Egypt", "AF", (22.0, 31.7, 24.7, 36.9), "S.A.E.", "en"),
    "MA": ("Morocco", "AF", (27.6, 35.95, -13.2, -1.0), "S.A.", "fr"),
    "MZ": ("Mozambique", "AF", (-26.9, -10.4, 30.2, 40.9), "Lda.", "pt"),
    "ZA": ("South Africa", "AF", (-34.9, -22.1, 16.4, 32.9), "(Pty) Ltd", "en"),
    "SN": ("Senegal", "AF", (12.3, 16.7, -17.6, -11.3), "SARL", "fr"),
    "CI": ("Côte d'Ivoire", "AF", (4.3, 10.8, -8.6, -2.4), "SA", "fr"),
    "DJ": ("Djibouti", "AF", (10.9, 12.8, 41.7, 43.5), "SARL", "fr"),
    "AO": ("Angola", "AF", (-18.1, -4.3, 11.6, 24.1), "Lda.", "pt"),
    "CM": ("Cameroon", "AF", (1.6, 13.1, 8.4, 16.2), "SARL", "fr"),
    "BR": ("Brazil", "LAT", (-33.8, 5.3, -74.0, -34.7), "Ltda.", "pt"),
    "MX": ("Mexico", "LAT", (14.5, 32.8, -118.4, -86.7), "S.A. de C.V.", "es"),
    "PE": ("Peru", "LAT", (-18.4, 0.0, -81.4, -68.6), "S.A.C.", "es"),
    "CL": ("Chile", "LAT", (-56.0, -17.5, -75.7, -66.4), "SpA", "es"),
    "CO": ("Colombia", "LAT", (-4.3, 12.5, -79.1, -66.8), "S.A.S.", "es"),
    "AR": ("Argentina", "LAT", (-55.1, -21.7, -73.6, -53.6), "S.A.", "es"),
    "FJ": ("Fiji", "PAC", (-21.0, -12.4, 176.8, 180.0), "Pte Limited", "en"),
    "PG": ("Papua New Guinea", "PAC", (-11.7, -1.0, 140.8, 156.0), "Limited", "en"),
    "SB": ("Solomon Islands", "PAC", (-12.4, -6.5, 155.4, 167.3), "Limited", "en"),
    "VU": ("Vanuatu", "PAC", (-20.3, -13.0, 166.5, 170.3), "Limited", "en"),
    "TO": ("Tonga", "PAC", (-22.4, -15.5, -176.3, -173.7), "Limited", "en"),
    "WS": ("Samoa", "PAC", (-14.1, -13.4, -172.9, -171.3), "Limited", "en"),
    "PW": ("Palau", "PAC", (2.8, 8.2, 131.1, 134.8), "Inc.", "en"),
    "FM": ("the Federated States of Micronesia", "PAC", (0.9, 10.1, 137.3, 163.1), "Inc.", "en"),
    "TR": ("Türkiye", "ME", (35.8, 42.2, 25.6, 44.9), "A.Ş.", "en"),
    "SA": ("Saudi Arabia", "ME", (16.3, 32.2, 34.5, 55.7), "Co.", "en"),
    "AE": ("the United Arab Emirates", "ME", (22.6, 26.1, 51.5, 56.4), "LLC", "en"),
    "JO": ("Jordan", "ME", (29.1, 33.4, 34.9, 39.3), "Co.", "en"),
    "UA": ("Ukraine", "EUR", (44.3, 52.4, 22.1, 40.3), "LLC", "en"),
    "PL": ("Poland", "EUR", (49.0, 54.9, 14.1, 24.2), "Sp. z o.o.", "en"),
    "RO": ("Romania", "EUR", (43.6, 48.3, 20.2, 29.8), "S.R.L.", "en"),
    "RS": ("Serbia", "EUR", (42.2, 46.2, 18.8, 23.0), "d.o.o.", "en"),
}
REGION_NAMES = {
    "SEA": "Southeast Asia",
    "SAS": "South Asia",
    "CAS": "Central Asia & Caucasus",
    "AF": "Africa",
    "LAT": "Latin America",
    "PAC": "Pacific",
    "ME": "Middle East",
    "EUR": "Europe",
}

# code: [(site, lat, lon, ISO 3166-2 subdivision, coastal)]
SITES = {
    "VN": [
        ("Lach Huyen", 20.85, 106.77, "VN-HP", True),
        ("Da Nang", 16.07, 108.22, "VN-DN", True),
        ("Ho Chi Minh City", 10.78, 106.70, "VN-SG", False),
        ("Cai Mep", 10.53, 107.03, "VN-43", True),
        ("Can Tho", 10.03, 105.78, "VN-CT", False),
        ("Ha Long", 20.95, 107.08, "VN-13", True),
        ("Dung Quat", 15.40, 108.80, "VN-29", True),
    ],
    "ID": [
        ("Tanjung Priok", -6.10, 106.88, "ID-JK", True),
        ("Patimban", -6.25, 107.90, "ID-JB", True),
        ("Surabaya", -7.25, 112.75, "ID-JI", True),
        ("Makassar", -5.13, 119.41, "ID-SN", True),
        ("Batam", 1.08, 104.03, "ID-KR", True),
        ("Denpasar", -8.65, 115.22, "ID-BA", True),
        ("Semarang", -6.97, 110.42, "ID-JT", True),
        ("Bandung", -6.91, 107.61, "ID-JB", False),
    ],
    "PH": [
        ("Metro Manila", 14.60, 120.98, "PH-00", True),
        ("Cebu", 10.31, 123.89, "PH-CEB", True),
        ("Davao", 7.07, 125.61, "PH-DAS", True),
        ("Clark", 15.18, 120.55, "PH-PAM", False),
        ("Malolos", 14.84, 120.81, "PH-BUL", False),
        ("Batangas", 13.76, 121.06, "PH-BTG", True),
    ],
    "TH": [
        ("Laem Chabang", 13.08, 100.88, "TH-20", True),
        ("Bangkok", 13.75, 100.50, "TH-10", False),
        ("Map Ta Phut", 12.67, 101.15, "TH-21", True),
        ("Chiang Mai", 18.79, 98.98, "TH-50", False),
    ],
    "MY": [
        ("Port Klang", 3.00, 101.39, "MY-10", True),
        ("Johor Bahru", 1.46, 103.76, "MY-01", True),
        ("Penang", 5.41, 100.33, "MY-07", True),
        ("Kuching", 1.55, 110.34, "MY-13", True),
        ("Kota Kinabalu", 5.98, 116.07, "MY-12", True),
    ],
    "KH": [
        ("Sihanoukville", 10.63, 103.50, "KH-18", True),
        ("Phnom Penh", 11.56, 104.92, "KH-12", False),
        ("Siem Reap", 13.36, 103.86, "KH-17", False),
    ],
    "LA": [
        ("Vientiane", 17.97, 102.60, "LA-VT", False),
        ("Luang Prabang", 19.89, 102.13, "LA-LP", False),
        ("Savannakhet", 16.55, 104.75, "LA-SV", False),
    ],
    "MM": [
        ("Thilawa", 16.66, 96.26, "MM-06", True),
        ("Mandalay", 21.97, 96.08, "MM-04", False),
        ("Dawei", 14.08, 98.19, "MM-05", True),
    ],
    "TL": [("Dili", -8.56, 125.57, "TL-DI", True), ("Tibar Bay", -8.57, 125.48, "TL-LI", True)],
    "IN": [
        ("Mumbai", 18.95, 72.84, "IN-MH", True),
        ("Chennai", 13.08, 80.27, "IN-TN", True),
        ("Ahmedabad", 23.02, 72.57, "IN-GJ", False),
        ("Guwahati", 26.14, 91.74, "IN-AS", False),
        ("Kochi", 9.97, 76.27, "IN-KL", True),
        ("Varanasi", 25.32, 82.99, "IN-UP", False),
        ("Pipavav", 20.91, 71.51, "IN-GJ", True),
    ],
    "BD": [
        ("Matarbari", 21.73, 91.88, "BD-B", True),
        ("Dhaka", 23.81, 90.41, "BD-13", False),
        ("Mongla", 22.49, 89.60, "BD-D", True),
        ("Chattogram", 22.33, 91.83, "BD-10", True),
    ],
    "LK": [
        ("Colombo", 6.93, 79.85, "LK-11", True),
        ("Hambantota", 6.12, 81.12, "LK-3", True),
        ("Trincomalee", 8.57, 81.23, "LK-5", True),
    ],
    "NP": [
        ("Kathmandu", 27.71, 85.32, "NP-P3", False),
        ("Pokhara", 28.21, 83.99, "NP-P4", False),
        ("Biratnagar", 26.45, 87.27, "NP-P1", False),
    ],
    "PK": [
        ("Karachi", 24.86, 67.01, "PK-SD", True),
        ("Gwadar", 25.12, 62.32, "PK-BA", True),
        ("Lahore", 31.55, 74.34, "PK-PB", False),
        ("Peshawar", 34.01, 71.58, "PK-KP", False),
    ],
    "MV": [("Malé", 4.18, 73.51, "MV-MLE", True), ("Addu City", -0.63, 73.16, "MV-01", True)],
    "MN": [
        ("Ulaanbaatar", 47.92, 106.92, "MN-1", False),
        ("Erdenet", 49.03, 104.08, "MN-035", False),
        ("Sainshand", 44.89, 110.14, "MN-063", False),
    ],
    "UZ": [
        ("Tashkent", 41.31, 69.28, "UZ-TK", False),
        ("Samarkand", 39.65, 66.96, "UZ-SA", False),
        ("Navoiy", 40.10, 65.37, "UZ-NW", False),
    ],
    "KZ": [
        ("Almaty", 43.24, 76.89, "KZ-75", False),
        ("Aktau", 43.65, 51.17, "KZ-47", True),
        ("Astana", 51.17, 71.45, "KZ-71", False),
    ],
    "GE": [
        ("Poti", 42.15, 41.67, "GE-SZ", True),
        ("Batumi", 41.64, 41.64, "GE-AJ", True),
        ("Tbilisi", 41.72, 44.79, "GE-TB", False),
    ],
    "KE": [
        ("Mombasa", -4.04, 39.67, "KE-28", True),
        ("Nairobi", -1.29, 36.82, "KE-30", False),
        ("Lamu", -2.27, 40.90, "KE-21", True),
        ("Kisumu", -0.09, 34.77, "KE-17", False),
        ("Olkaria", -0.88, 36.30, "KE-31", False),
    ],
    "TZ": [
        ("Dar es Salaam", -6.79, 39.21, "TZ-02", True),
        ("Bagamoyo", -6.44, 38.90, "TZ-19", True),
        ("Dodoma", -6.16, 35.75, "TZ-03", False),
        ("Zanzibar", -6.16, 39.19, "TZ-15", True),
    ],
    "ET": [
        ("Addis Ababa", 9.03, 38.74, "ET-AA", False),
        ("Dire Dawa", 9.60, 41.85, "ET-DD", False),
        ("Bahir Dar", 11.59, 37.39, "ET-AM", False),
        ("Aluto", 7.79, 38.79, "ET-OR", False),
    ],
    "NG": [
        ("Lekki", 6.43, 3.98, "NG-LA", True),
        ("Abuja", 9.06, 7.49, "NG-FC", False),
        ("Kano", 12.00, 8.52, "NG-KN", False),
        ("Port Harcourt", 4.82, 7.03, "NG-RI", True),
    ],
    "GH": [
        ("Tema", 5.63, 0.01, "GH-AA", True),
        ("Takoradi", 4.90, -1.76, "GH-WP", True),
        ("Kumasi", 6.69, -1.62, "GH-AH", False),
    ],
    "EG": [
        ("Ain Sokhna", 29.60, 32.35, "EG-SUZ", True),
        ("Alexandria", 31.20, 29.92, "EG-ALX", True),
        ("Cairo", 30.04, 31.24, "EG-C", False),
        ("Benban", 24.45, 32.74, "EG-ASN", False),
        ("Port Said", 31.26, 32.30, "EG-PTS", True),
    ],
    "MA": [
        ("Tanger Med", 35.88, -5.50, "MA-01", True),
        ("Casablanca", 33.57, -7.59, "MA-CAS", True),
        ("Ouarzazate", 30.92, -6.90, "MA-OUA", False),
    ],
    "MZ": [
        ("Maputo", -25.97, 32.57, "MZ-MPM", True),
        ("Beira", -19.84, 34.84, "MZ-S", True),
        ("Nacala", -14.54, 40.67, "MZ-N", True),
        ("Pemba", -12.97, 40.52, "MZ-P", True),
    ],
    "ZA": [
        ("Durban", -29.86, 31.03, "ZA-KZN", True),
        ("Cape Town", -33.92, 18.42, "ZA-WC", True),
        ("Johannesburg", -26.20, 28.05, "ZA-GP", False),
        ("Ngqura", -33.80, 25.68, "ZA-EC", True),
    ],
    "SN": [
        ("Dakar", 14.69, -17.44, "SN-DK", True),
        ("Thiès", 14.79, -16.93, "SN-TH", False),
        ("Saint-Louis", 16.03, -16.49, "SN-SL", True),
    ],
    "CI": [
        ("Abidjan", 5.32, -4.02, "CI-AB", True),
        ("San-Pédro", 4.75, -6.64, "CI-BS", True),
        ("Yamoussoukro", 6.82, -5.28, "CI-YM", False),
    ],
    "DJ": [
        ("Djibouti City", 11.59, 43.15, "DJ-DJ", True),
        ("Tadjourah", 11.79, 42.88, "DJ-TA", True),
    ],
    "AO": [("Luanda", -8.84, 13.23, "AO-LUA", True), ("Lobito", -12.35, 13.55, "AO-BGU", True)],
    "CM": [("Kribi", 2.94, 9.91, "CM-SU", True), ("Douala", 4.05, 9.70, "CM-LT", True)],
    "BR": [
        ("Santos", -23.96, -46.33, "BR-SP", True),
        ("Rio de Janeiro", -22.91, -43.17, "BR-RJ", True),
        ("Pecém", -3.54, -38.81, "BR-CE", True),
        ("Salvador", -12.97, -38.50, "BR-BA", True),
        ("Suape", -8.39, -34.96, "BR-PE", True),
    ],
    "MX": [
        ("Manzanillo", 19.05, -104.32, "MX-COL", True),
        ("Veracruz", 19.20, -96.13, "MX-VER", True),
        ("Monterrey", 25.67, -100.31, "MX-NLE", False),
        ("Mexico City", 19.43, -99.13, "MX-CMX", False),
        ("Salina Cruz", 16.17, -95.20, "MX-OAX", True),
    ],
    "PE": [
        ("Callao", -12.05, -77.14, "PE-CAL", True),
        ("Chancay", -11.58, -77.27, "PE-LIM", True),
        ("Arequipa", -16.41, -71.54, "PE-ARE", False),
        ("Lima", -12.05, -77.04, "PE-LMA", False),
    ],
    "CL": [
        ("Valparaíso", -33.05, -71.62, "CL-VS", True),
        ("Santiago", -33.45, -70.67, "CL-RM", False),
        ("Antofagasta", -23.65, -70.40, "CL-AN", True),
        ("Punta Arenas", -53.16, -70.92, "CL-MA", True),
    ],
    "CO": [
        ("Barranquilla", 10.96, -74.80, "CO-ATL", True),
        ("Cartagena", 10.39, -75.51, "CO-BOL", True),
        ("Bogotá", 4.71, -74.07, "CO-DC", False),
        ("Buenaventura", 3.88, -77.03, "CO-VAC", True),
    ],
    "AR": [
        ("Buenos Aires", -34.60, -58.38, "AR-C", True),
        ("Bahía Blanca", -38.72, -62.27, "AR-B", True),
        ("Córdoba", -31.42, -64.18, "AR-X", False),
        ("Neuquén", -38.95, -68.06, "AR-Q", False),
    ],
    "FJ": [
        ("Suva", -18.14, 178.44, "FJ-C", True),
        ("Lautoka", -17.62, 177.45, "FJ-W", True),
        ("Labasa", -16.43, 179.38, "FJ-N", True),
    ],
    "PG": [
        ("Port Moresby", -9.44, 147.18, "PG-NCD", True),
        ("Lae", -6.72, 146.99, "PG-MPL", True),
        ("Madang", -5.22, 145.79, "PG-MPM", True),
    ],
    "SB": [("Honiara", -9.43, 159.95, "SB-CT", True), ("Auki", -8.77, 160.70, "SB-ML", True)],
    "VU": [
        ("Port Vila", -17.73, 168.32, "VU-SEE", True),
        ("Luganville", -15.51, 167.18, "VU-SAM", True),
    ],
    "TO": [
        ("Nuku'alofa", -21.14, -175.20, "TO-04", True),
        ("Neiafu", -18.65, -173.98, "TO-05", True),
    ],
    "WS": [
        ("Apia", -13.83, -171.76, "WS-TU", True),
        ("Salelologa", -13.73, -172.21, "WS-FA", True),
    ],
    "PW": [("Koror", 7.34, 134.48, "PW-150", True), ("Melekeok", 7.50, 134.64, "PW-212", True)],
    "FM": [("Pohnpei", 6.96, 158.21, "FM-PNI", True), ("Weno", 7.45, 151.85, "FM-TRK", True)],
    "TR": [
        ("Istanbul", 41.01, 28.98, "TR-34", True),
        ("İzmir", 38.42, 27.14, "TR-35", True),
        ("Mersin", 36.80, 34.63, "TR-33", True),
        ("Ankara", 39.93, 32.86, "TR-06", False),
    ],
    "SA": [
        ("Jeddah", 21.49, 39.19, "SA-02", True),
        ("Dammam", 26.43, 50.10, "SA-04", True),
        ("Riyadh", 24.71, 46.68, "SA-01", False),
        ("Duba", 27.35, 35.69, "SA-07", True),
    ],
    "AE": [
        ("Khalifa Port", 24.81, 54.65, "AE-AZ", True),
        ("Jebel Ali", 25.01, 55.06, "AE-DU", True),
        ("Fujairah", 25.12, 56.33, "AE-FU", True),
    ],
    "JO": [
        ("Aqaba", 29.53, 35.01, "JO-AQ", True),
        ("Amman", 31.95, 35.93, "JO-AM", False),
        ("Ma'an", 30.20, 35.73, "JO-MN", False),
    ],
    "UA": [
        ("Odesa", 46.48, 30.72, "UA-51", True),
        ("Kyiv", 50.45, 30.52, "UA-30", False),
        ("Lviv", 49.84, 24.03, "UA-46", False),
        ("Dnipro", 48.46, 35.05, "UA-12", False),
    ],
    "PL": [
        ("Gdańsk", 54.35, 18.65, "PL-22", True),
        ("Warsaw", 52.23, 21.01, "PL-14", False),
        ("Świnoujście", 53.91, 14.25, "PL-32", True),
    ],
    "RO": [
        ("Constanța", 44.17, 28.63, "RO-CT", True),
        ("Bucharest", 44.43, 26.10, "RO-B", False),
        ("Cluj-Napoca", 46.77, 23.59, "RO-CJ", False),
    ],
    "RS": [
        ("Belgrade", 44.79, 20.45, "RS-00", False),
        ("Novi Sad", 45.27, 19.83, "RS-06", False),
        ("Niš", 43.32, 21.90, "RS-20", False),
    ],
}

LOCAL_CURRENCIES = {
    "VN": "VND",
    "ID": "IDR",
    "PH": "PHP",
    "IN": "INR",
    "KE": "KES",
    "TH": "THB",
    "BD": "BDT",
    "LK": "LKR",
    "BR": "BRL",
    "MX": "MXN",
}
USD_RATES = {
    "USD": 1,
    "JPY": 150,
    "EUR": 0.92,
    "AUD": 1.52,
    "GBP": 0.79,
    "KRW": 1380,
    "VND": 25000,
    "IDR": 16000,
    "PHP": 57,
    "INR": 84,
    "KES": 129,
    "THB": 35,
    "BDT": 118,
    "LKR": 300,
    "BRL": 5.5,
    "MXN": 18,
}

# --------------------------------------------------------------------------- #
# Companies (all fictional)
# --------------------------------------------------------------------------- #

# (name, country, specialities)
FIRMS = [
    ("Sakura Marine Construction Co., Ltd.", "JP", "marine civil"),
    ("Hoshino Civil Engineering Corporation", "JP", "civil rail"),
    ("Nippon Coastal Consultants Co., Ltd.", "JP", "consult marine water"),
    ("Tsubame Rail Systems K.K.", "JP", "rail"),
    ("Kirishima Power Engineering Co., Ltd.", "JP", "power"),
    ("Aozora Telecom Engineering K.K.", "JP", "telecom"),
    ("Minato Port Systems Co., Ltd.", "JP", "marine"),
    ("Yamabuki Water Solutions Co., Ltd.", "JP", "water"),
    ("Kumo Grid Systems Co., Ltd.", "JP", "power"),
    ("Hanbit Construction & Engineering Co., Ltd.", "KR", "civil marine"),
    ("Seorak Grid Solutions Corp.", "KR", "power"),
    ("Donghae Marine Works Co., Ltd.", "KR", "marine"),
    ("Gaya Smart Rail Co., Ltd.", "KR", "rail"),
    ("Arirang Network Systems Co., Ltd.", "KR", "telecom"),
    ("Southern Cross Infrastructure Pty Ltd", "AU", "civil consult"),
    ("Coral Sea Engineering Pty Ltd", "AU", "marine water"),
    ("Bluegum Energy Services Pty Ltd", "AU", "power"),
    ("Wattle Telecom Networks Pty Ltd", "AU", "telecom"),
    ("Thameside Consulting Engineers Ltd", "GB", "consult civil water"),
    ("Northumbria Marine Consultants Ltd", "GB", "marine consult"),
    ("Pennine Grid Services Ltd", "GB", "power"),
    ("Rheinwerk Ingenieurgesellschaft mbH", "DE", "consult civil rail"),
    ("Nordlicht Energieanlagen GmbH", "DE", "power"),
    ("Elbe Hafenplanung GmbH", "DE", "marine consult"),
    ("Cascade Infrastructure Partners LLC", "US", "civil consult"),
    ("Liberty Grid Technologies Inc.", "US", "power"),
    ("Bluewater Data Systems Inc.", "US", "telecom"),
    ("Vanderzee Dredging B.V.", "NL", "marine"),
    ("Øresund Offshore Engineering A/S", "DK", "power marine"),
    ("Lagune Travaux Maritimes SAS", "FR", "marine civil"),
    ("Costa Brava Ingeniería S.A.", "ES", "civil water rail"),
    ("Fiumara Costruzioni S.p.A.", "IT", "civil"),
    ("Saimaa Water Technologies Oy", "FI", "water"),
]

# Trusted (fictional) technology vendors by category: (vendor, country)
TRUSTED_VENDORS = {
    "5g_ran": [
        ("Aozora Telecom Engineering K.K.", "JP"),
        ("Arirang Network Systems Co., Ltd.", "KR"),
        ("Fjordline Radio Networks AB", "SE"),
    ],
    "5g_core": [
        ("Bluewater Data Systems Inc.", "US"),
        ("Fjordline Radio Networks AB", "SE"),
        ("Aozora Telecom Engineering K.K.", "JP"),
    ],
    "telecom_backbone": [
        ("Wattle Telecom Networks Pty Ltd", "AU"),
        ("Aozora Telecom Engineering K.K.", "JP"),
        ("Lumière Optique SAS", "FR"),
    ],
    "undersea_cable": [
        ("Kuroshio Submarine Systems K.K.", "JP"),
        ("Tasman Subsea Networks Pty Ltd", "AU"),
        ("Atlantique Câbles Sous-Marins SAS", "FR"),
        ("Liberty Subsea Inc.", "US"),
    ],
    "satellite_ground_station": [
        ("Hoshizora Space Systems K.K.", "JP"),
        ("Orbital Meridian Ltd", "GB"),
    ],
    "data_centre": [("Bluewater Data Systems Inc.", "US"), ("Kumo Cloud Facilities K.K.", "JP")],
    "surveillance_camera": [("Kestrel Vision Systems Pty Ltd", "AU")],
    "drone_uas": [("Hayabusa Aerial Systems K.K.", "JP"), ("Condor Aerial Robotics Inc.", "US")],
    "port_automation": [
        ("Minato Port Systems Co., Ltd.", "JP"),
        ("Elbe Terminal Automation GmbH", "DE"),
    ],
    "grid_scada": [
        ("Kumo Grid Systems Co., Ltd.", "JP"),
        ("Seorak Grid Solutions Corp.", "KR"),
        ("Liberty Grid Technologies Inc.", "US"),
    ],
    "nuclear": [
        ("Hanul Nuclear Services Co., Ltd.", "KR"),
        ("Kirishima Power Engineering Co., Ltd.", "JP"),
    ],
    "semiconductor": [("Tsukuba Semiconductor Equipment K.K.", "JP")],
    "ai_system": [("Sagano AI Laboratories K.K.", "JP"), ("Bluewater Data Systems Inc.", "US")],
    "quantum": [("Kanazawa Quantum Networks K.K.", "JP"), ("Cambridge Photonic Keys Ltd", "GB")],
    "other": [
        ("Tsubame Rail Systems K.K.", "JP"),
        ("Rheinwerk Ingenieurgesellschaft mbH", "DE"),
        ("Gaya Smart Rail Co., Ltd.", "KR"),
    ],
}

PRIVATE_INVESTORS = [
    ("Hoshizora Trading Corporation", "JP"),
    ("Marunouchi Infrastructure Fund K.K.", "JP"),
    ("Koala Infrastructure Partners Pty Ltd", "AU"),
    ("Han River Infrastructure Fund", "KR"),
    ("Thames Infrastructure Capital LLP", "GB"),
    ("Rheinland Infrastruktur Beteiligungen GmbH", "DE"),
    ("Cascade Infrastructure Partners LLC", "US"),
]

# Real high-risk vendors, written the ways they appear in real filings.
HIGH_RISK_5G = [
    ("HUAWEI TECHNOLOGIES CO., LTD", "CN"),
    ("Huawei Technologies Co. Ltd.", "CN"),
    ("ZTE Corporation", "CN"),
    ("Hytera Communications Corp.", "CN"),
    ("China Mobile International", "CN"),
    ("China Telecom Global", "CN"),
    ("China Unicom (Hong Kong)", "CN"),
    ("Kaspersky Lab", "RU"),
]
HIGH_RISK_CAMERAS = [
    ("Hangzhou Hikvision Digital Technology Co., Ltd.", "CN"),
    ("Zhejiang Dahua Technology Co., Ltd.", "CN"),
]
HIGH_RISK_DRONES = [("SZ DJI Technology Co., Ltd.", "CN"), ("Autel Robotics", "CN")]
HIGH_RISK_NAMES = [n for n, _ in HIGH_RISK_5G + HIGH_RISK_CAMERAS + HIGH_RISK_DRONES]
# Token sequences a name-matcher should key on; used only for the summary.
HIGH_RISK_KEYS = {
    "telecom": [
        ("huawei",),
        ("zte",),
        ("hytera",),
        ("china", "mobile"),
        ("china", "telecom"),
        ("china", "unicom"),
        ("kaspersky",),
    ],
    "surveillance": [("hikvision",), ("dahua",)],
    "drone": [("dji",), ("autel",)],
}

# Look-alikes that must NOT match a high-risk vendor.
DECOYS = [
    ("Zteam Engineering Ltd", "GB", "telecom"),
    ("Dahuang Civil Works Co., Ltd.", "MY", "civil"),
    ("Chinamobility Rail Consultants", "AU", "rail"),
    ("Djibouti Harbour Logistics SARL", "DJ", "marine"),
    ("Hyterra Geotechnical Pty Ltd", "AU", "consult"),
    ("Autelier Façades & Glazing S.A.", "FR", "civil"),
]

# Fictional state-owned investors/operators: (name, country, groups they invest in)
STATE_INVESTORS = [
    ("Sino-Harbour Overseas Investment Co., Ltd.", "CN", "ports"),
    ("Silk Road Grid Holdings Co., Ltd.", "CN", "energy"),
    ("Dragon Rail Overseas Investment Co., Ltd.", "CN", "transport"),
    ("Jade River Water Infrastructure Group Co., Ltd.", "CN", "water"),
    ("Volga Energy Holdings JSC", "RU", "energy"),
    ("Arctic Telecom Holdings JSC", "RU", "telecoms"),
    ("Merlion Infrastructure Holdings Pte. Ltd.", "SG", "ports"),
    ("Lion City Water Ventures Pte. Ltd.", "SG", "water"),
    ("Gulf Crescent Ports Investment PJSC", "AE", "ports"),
    ("Falcon Energy Investments PJSC", "AE", "energy"),
    ("Pearl Strait Telecom Holdings Co., Ltd.", "CN", "telecoms"),
    ("Steppe Rail Ventures JSC", "RU", "transport"),
]

LOCAL_ACTIVITIES = {
    "en": {
        "civil": ["Civil Works", "Construction", "Infrastructure"],
        "marine": ["Harbour Works", "Marine Engineering"],
        "power": ["Power Services", "Electrical Engineering"],
        "telecom": ["Network Services", "Telecom Engineering"],
        "water": ["Water Engineering", "Environmental Services"],
        "rail": ["Rail Services", "Construction"],
        "consult": ["Technical Consultants", "Engineering Consultants"],
    },
    "es": {
        "civil": ["Construcciones", "Obras Civiles"],
        "marine": ["Obras Portuarias", "Ingeniería Marítima"],
        "power": ["Servicios Eléctricos", "Energía"],
        "telecom": ["Redes y Telecomunicaciones"],
        "water": ["Aguas y Saneamiento"],
        "rail": ["Ferrovías", "Construcciones"],
        "consult": ["Consultores", "Ingeniería"],
    },
    "pt": {
        "civil": ["Construções", "Obras Civis"],
        "marine": ["Obras Portuárias", "Engenharia Marítima"],
        "power": ["Serviços Elétricos", "Energia"],
        "telecom": ["Redes e Telecomunicações"],
        "water": ["Águas e Saneamento"],
        "rail": ["Ferrovias", "Construções"],
        "consult": ["Consultores", "Engenharia"],
    },
    "fr": {
        "civil": ["Travaux Publics", "Génie Civil"],
        "marine": ["Travaux Maritimes", "Ingénierie Portuaire"],
        "power": ["Énergie Services", "Électricité"],
        "telecom": ["Réseaux Télécom"],
        "water": ["Eaux et Assainissement"],
        "rail": ["Ferroviaire", "Travaux Publics"],
        "consult": ["Conseil Ingénierie", "Bureau d'Études"],
    },
}

GROUP_SPECIALITY = {
    "ports": "marine",
    "transport": "civil",
    "energy": "power",
    "telecoms": "telecom",
    "water": "water",
}
MINISTRIES = {
    "ports": ("Ministry of Transport", "Ports Authority"),
    "transport": ("Ministry of Transport", "National Roads and Railways Agency"),
    "energy": ("Ministry of Energy", "National Power Transmission Company"),
    "telecoms": ("Ministry of Information and Communications", "National Broadband Company"),
    "water": ("Ministry of Water Resources", "National Water Supply Corporation"),
}

# --------------------------------------------------------------------------- #
# Project archetypes for ordinary (unflagged) infrastructure
# --------------------------------------------------------------------------- #


def arch(
    key,
    group,
    sectors,
    weight,
    titles,
    what,
    scale,
    coastal=False,
    countries=None,
    exclude=(),
    maritime=((),),
    tech=(None,),
    grant_only=False,
    two_sites=False,
    sites=None,
):
    if sites:  # only the named sites make sense for this kind of project
        countries = [c for c in (countries or COUNTRIES) if any(x[0] in sites for x in SITES[c])]
    if exclude:
        countries = [c for c in (countries or COUNTRIES) if c not in exclude]
    return {
        "key": key,
        "group": group,
        "sectors": sectors,
        "weight": weight,
        "titles": titles,
        "what": what,
        "scale": scale,
        "coastal": coastal,
        "countries": countries,
        "maritime": maritime,
        "tech": tech,
        "grant_only": grant_only,
        "two_sites": two_sites,
        "sites": sites,
    }


HYDRO = {
    "Luang Prabang",
    "Pokhara",
    "Bahir Dar",
    "Mandalay",
    "Tashkent",
    "Almaty",
    "Batumi",
    "Arequipa",
    "Peshawar",
    "Neuquén",
    "Lae",
}
GEOTHERMAL = {"Olkaria", "Aluto", "Bandung", "Batangas", "İzmir"}
FIELD_SITES = {
    "Olkaria",
    "Aluto",
}  # steam fields, not towns: used only by archetypes that name them
# Sites big enough for metro, rail and bus rapid transit projects.
CITIES = {
    "Ho Chi Minh City",
    "Da Nang",
    "Lach Huyen",
    "Bandung",
    "Surabaya",
    "Semarang",
    "Makassar",
    "Tanjung Priok",
    "Metro Manila",
    "Cebu",
    "Davao",
    "Clark",
    "Malolos",
    "Bangkok",
    "Chiang Mai",
    "Laem Chabang",
    "Johor Bahru",
    "Penang",
    "Port Klang",
    "Phnom Penh",
    "Vientiane",
    "Mandalay",
    "Thilawa",
    "Mumbai",
    "Chennai",
    "Ahmedabad",
    "Varanasi",
    "Guwahati",
    "Kochi",
    "Dhaka",
    "Chattogram",
    "Colombo",
    "Kathmandu",
    "Karachi",
    "Lahore",
    "Peshawar",
    "Ulaanbaatar",
    "Tashkent",
    "Samarkand",
    "Almaty",
    "Astana",
    "Tbilisi",
    "Nairobi",
    "Mombasa",
    "Kisumu",
    "Dar es Salaam",
    "Dodoma",
    "Addis Ababa",
    "Dire Dawa",
    "Abuja",
    "Kano",
    "Lekki",
    "Port Harcourt",
    "Kumasi",
    "Tema",
    "Cairo",
    "Alexandria",
    "Casablanca",
    "Tanger Med",
    "Maputo",
    "Beira",
    "Johannesburg",
    "Cape Town",
    "Durban",
    "Dakar",
    "Thiès",
    "Abidjan",
    "Luanda",
    "Lobito",
    "Douala",
    "Rio de Janeiro",
    "Salvador",
    "Santos",
    "Mexico City",
    "Monterrey",
    "Lima",
    "Callao",
    "Arequipa",
    "Santiago",
    "Valparaíso",
    "Bogotá",
    "Barranquilla",
    "Buenos Aires",
    "Córdoba",
    "Istanbul",
    "İzmir",
    "Ankara",
    "Mersin",
    "Riyadh",
    "Jeddah",
    "Dammam",
    "Amman",
    "Kyiv",
    "Lviv",
    "Dnipro",
    "Odesa",
    "Warsaw",
    "Gdańsk",
    "Bucharest",
    "Cluj-Napoca",
    "Constanța",
    "Belgrade",
    "Novi Sad",
    "Niš",
    "Djibouti City",
}
HEATING = ["UA", "RS", "MN", "KZ", "UZ", "PL", "RO", "GE"]
ISLANDS = ["FJ", "PG", "SB", "VU", "TO", "WS", "PW", "FM", "MV", "TL", "PH", "ID"]
MIDDLE_INCOME = [
    "VN",
    "ID",
    "PH",
    "TH",
    "MY",
    "IN",
    "BD",
    "PK",
    "LK",
    "KZ",
    "UZ",
    "GE",
    "KE",
    "NG",
    "GH",
    "EG",
    "MA",
    "ZA",
    "BR",
    "MX",
    "PE",
    "CL",
    "CO",
    "AR",
    "TR",
    "SA",
    "AE",
    "JO",
    "UA",
    "PL",
    "RO",
    "RS",
]
CHIP_HUBS = ["VN", "MY", "PH", "TH", "IN", "ID", "PL", "MX", "RS"]
NUCLEAR_NEWCOMERS = ["BD", "TR", "EG", "UZ", "KZ", "PL", "RO", "PH", "VN", "ID", "GH", "KE", "SA"]
SMALL_STATES = [
    "FJ",
    "PG",
    "SB",
    "VU",
    "TO",
    "WS",
    "PW",
    "FM",
    "MV",
    "TL",
    "DJ",
]  # no railways, gas plants, fabs

ARCHETYPES = [
    # ports
    arch(
        "container_terminal",
        "ports",
        [[("21040", "100")]],
        5,
        [
            "{site} Port Container Terminal Expansion",
            "{site} Deep-Sea Container Terminal (Phase {phase})",
        ],
        [
            "expansion of container handling capacity with a new quay, yard and gate complex",
            "construction of a deep-water container berth and reclaimed yard",
        ],
        (80, 900),
        coastal=True,
        maritime=(("port_construction",), ("port_construction", "dredging")),
        tech=(None, None, "port_automation"),
        exclude=["TO", "WS", "PW", "FM", "VU", "MV"],
    ),
    arch(
        "breakwater",
        "ports",
        [[("21040", "100")]],
        2,
        [
            "{site} Breakwater Rehabilitation and Climate Resilience Works",
            "{site} Port Breakwater Extension",
        ],
        [
            "rehabilitation of storm-damaged breakwaters and raising of quay crest levels",
            "extension of the main breakwater to reduce wave downtime at the berths",
        ],
        (20, 150),
        coastal=True,
        maritime=(("port_construction",),),
    ),
    arch(
        "dredging",
        "ports",
        [[("21040", "100")]],
        2,
        ["{site} Port Access Channel Maintenance Dredging", "{site} Turning Basin Deepening"],
        [
            "maintenance dredging of the approach channel and disposal of dredged material at an approved site",
            "deepening of the turning basin to accommodate larger container vessels",
        ],
        (10, 80),
        coastal=True,
        maritime=(("dredging",),),
    ),
    arch(
        "berth",
        "ports",
        [[("21040", "100")], [("21040", "70"), ("21020", "30")]],
        2,
        ["{site} Multipurpose Berth Construction", "{site} Ro-Ro and Bulk Berth Upgrade"],
        [
            "construction of a multipurpose berth with road access improvements",
            "upgrade of bulk and roll-on/roll-off berths and the port access road",
        ],
        (30, 250),
        coastal=True,
        maritime=(("port_construction",), ("port_construction", "dredging")),
    ),
    arch(
        "port_digital",
        "ports",
        [[("21040", "70"), ("22040", "30")]],
        1,
        [
            "{site} Port Community System Digitalisation",
            "{site} Port Single Window and Berth Scheduling System",
        ],
        ["digitalisation of port community processes, customs interfaces and berth scheduling"],
        (5, 40),
        coastal=True,
        tech=("port_automation",),
    ),
    arch(
        "ferry",
        "ports",
        [[("21040", "100")]],
        1,
        ["{site} Inter-Island Ferry Terminal Upgrade"],
        ["upgrade of the ferry terminal, passenger facilities and mooring dolphins"],
        (5, 60),
        coastal=True,
        countries=ISLANDS + ["TZ", "MY"],
        maritime=(("port_construction",),),
    ),
    arch(
        "fishing_port",
        "ports",
        [[("21040", "100")]],
        1,
        ["{site} Fishing Port Modernisation"],
        ["modernisation of the fishing port with a new jetty, ice plant and market hall"],
        (5, 60),
        coastal=True,
        maritime=(("port_construction",),),
    ),
    # transport
    arch(
        "road",
        "transport",
        [[("21020", "100")], [("21023", "100")]],
        5,
        [
            "{site} Ring Road Construction",
            "{site}–{site2} National Highway Section Upgrade",
            "{site} Flyover and Interchange Improvement",
            "{site} River Bridge Replacement",
        ],
        [
            "construction of a four-lane ring road with drainage and road-safety features",
            "widening and resurfacing of a national highway section with climate-resilient drainage",
            "replacement of an ageing river bridge with a seismically designed structure",
        ],
        (30, 600),
        two_sites=True,
    ),
    arch(
        "road_maint",
        "transport",
        [[("21024", "100")]],
        1,
        ["Performance-Based Maintenance of National Roads around {site}"],
        ["performance-based periodic maintenance of national roads"],
        (10, 60),
    ),
    arch(
        "feeder_roads",
        "transport",
        [[("21021", "100")]],
        2,
        ["{site} Rural Feeder Road Rehabilitation Programme"],
        ["all-weather upgrading of rural feeder roads linking farms to markets"],
        (8, 60),
    ),
    arch(
        "rail",
        "transport",
        [[("21030", "100")]],
        5,
        [
            "{site} Urban Mass Rapid Transit Line {n}",
            "{site}–{site2} Railway Signalling Modernisation",
            "{site} Freight Rail Corridor Electrification",
            "{site} Commuter Rail Rolling Stock Procurement",
        ],
        [
            "construction of an elevated and underground mass rapid transit line",
            "modernisation of signalling and train control on a trunk railway",
            "electrification of a freight rail corridor serving the port hinterland",
        ],
        (100, 2500),
        two_sites=True,
        tech=(None, None, "other"),
        sites=CITIES,
        exclude=SMALL_STATES,
    ),
    arch(
        "public_transport",
        "transport",
        [[("21012", "100")]],
        2,
        ["{site} Bus Rapid Transit Corridor", "{site} Integrated Public Transport Ticketing"],
        [
            "a bus rapid transit corridor with dedicated lanes, stations and depot",
            "an integrated account-based ticketing system across bus and rail",
        ],
        (20, 200),
        sites=CITIES,
        exclude=SMALL_STATES,
    ),
    arch(
        "air",
        "transport",
        [[("21050", "100")]],
        2,
        ["{site} International Airport Terminal Expansion", "{site} Airport Runway Rehabilitation"],
        [
            "expansion of the passenger terminal and apron at the international airport",
            "rehabilitation and strengthening of the main runway and taxiways",
        ],
        (50, 700),
    ),
    arch(
        "transport_policy",
        "transport",
        [[("21011", "100")], [("21013", "100")], [("21010", "100")]],
        1,
        [
            "National Transport Master Plan Technical Assistance ({country})",
            "Road Safety Regulation Capacity Development ({country})",
        ],
        [
            "technical assistance for the national transport master plan and project pipeline",
            "capacity development for road-safety regulation and vehicle inspection",
        ],
        (1, 8),
        grant_only=True,
    ),
    arch(
        "logistics",
        "transport",
        [[("21061", "100")]],
        1,
        ["{site} Cold Chain and Logistics Hub"],
        ["a cold-chain logistics hub with bonded warehousing near the main freight corridor"],
        (10, 80),
    ),
    # energy
    arch(
        "solar",
        "energy",
        [[("23230", "100")]],
        4,
        ["{site} {mw} MW Solar Photovoltaic Plant", "{site} Solar Park and Battery Storage"],
        [
            "a utility-scale solar photovoltaic plant with grid connection",
            "a solar park with battery storage for evening peak supply",
        ],
        (30, 300),
    ),
    arch(
        "isolated_solar",
        "energy",
        [[("23231", "100")]],
        2,
        [
            "Outer Islands Solar Electrification ({site})",
            "{site} Solar Mini-Grid and Battery Storage",
        ],
        ["solar mini-grids with battery storage for outer-island communities"],
        (2, 30),
        countries=ISLANDS,
    ),
    arch(
        "onshore_wind",
        "energy",
        [[("23240", "100")]],
        2,
        ["{site} {mw} MW Onshore Wind Farm"],
        ["an onshore wind farm with a dedicated substation and transmission tie-in"],
        (60, 350),
        countries=[
            "VN",
            "IN",
            "PK",
            "KZ",
            "UZ",
            "MN",
            "KE",
            "ET",
            "EG",
            "MA",
            "ZA",
            "SN",
            "BR",
            "MX",
            "PE",
            "CL",
            "AR",
            "TR",
            "SA",
            "JO",
            "UA",
            "PL",
            "RO",
            "RS",
        ],
    ),
    arch(
        "hydro",
        "energy",
        [[("23220", "100")]],
        2,
        [
            "{site} Hydropower Station Rehabilitation",
            "{site} Pumped Storage Hydropower Feasibility Study",
        ],
        [
            "rehabilitation of turbines, generators and control systems at an ageing hydropower station",
            "feasibility and environmental studies for a pumped storage scheme",
        ],
        (40, 800),
        sites=HYDRO,
    ),
    arch(
        "geothermal",
        "energy",
        [[("23260", "100")]],
        1,
        ["{site} Geothermal Power Development (Unit {n})"],
        ["steam-field development and a new geothermal generating unit"],
        (80, 500),
        sites=GEOTHERMAL,
    ),
    arch(
        "gas",
        "energy",
        [[("23340", "100")]],
        1,
        ["{site} Combined Cycle Gas Turbine Power Plant"],
        ["a high-efficiency combined-cycle gas turbine plant replacing retired oil-fired units"],
        (200, 1200),
        exclude=SMALL_STATES,
    ),
    arch(
        "transmission",
        "energy",
        [[("23630", "100")]],
        5,
        [
            "{site}–{site2} {kv} kV Transmission Line",
            "{site} Substation Reinforcement and Grid Modernisation",
            "{site} Distribution Network Loss Reduction",
        ],
        [
            "a high-voltage transmission line and associated substations",
            "reinforcement of grid substations with modern protection and control",
            "distribution network upgrades to reduce technical losses",
        ],
        (30, 500),
        two_sites=True,
        tech=(None, "grid_scada"),
    ),
    arch(
        "minigrid",
        "energy",
        [[("23631", "100")]],
        1,
        ["{site} Isolated Mini-Grid Upgrade"],
        ["upgrade of an isolated diesel mini-grid with new distribution lines"],
        (3, 25),
    ),
    arch(
        "energy_policy",
        "energy",
        [[("23110", "100")], [("23111", "100")], [("23112", "100")]],
        1,
        [
            "Energy Regulatory Authority Capacity Development ({country})",
            "Power Sector Master Plan Update ({country})",
        ],
        [
            "capacity development for the energy regulator on tariffs and grid codes",
            "an update of the least-cost power sector master plan",
        ],
        (1, 8),
        grant_only=True,
    ),
    arch(
        "re_multi",
        "energy",
        [[("23210", "100")]],
        1,
        ["Renewable Energy Zone Grid Integration Programme ({site})"],
        ["grid integration of a renewable energy zone combining solar, wind and storage"],
        (50, 400),
    ),
    arch(
        "efficiency",
        "energy",
        [[("23183", "100")]],
        1,
        ["{site} Public Buildings Energy Efficiency Retrofit"],
        ["energy-efficiency retrofits of hospitals, schools and government buildings"],
        (5, 40),
    ),
    arch(
        "emobility",
        "energy",
        [[("23642", "100")], [("23642", "60"), ("21012", "40")]],
        1,
        ["{site} Electric Bus Depot and Charging Infrastructure"],
        ["an electric bus depot with high-power charging and grid connection"],
        (10, 90),
        sites=CITIES,
    ),
    arch(
        "heating",
        "energy",
        [[("23620", "100")]],
        1,
        ["{site} District Heating Network Modernisation"],
        ["replacement of district heating pipes and substations to cut losses"],
        (20, 150),
        countries=HEATING,
    ),
    arch(
        "hybrid",
        "energy",
        [[("23410", "100")]],
        1,
        ["{site} Diesel–Solar Hybrid Power Station"],
        ["conversion of a diesel power station to a diesel-solar hybrid with storage"],
        (5, 40),
        countries=ISLANDS,
    ),
    arch(
        "energy_training",
        "energy",
        [[("23181", "100")]],
        1,
        ["Power Engineering Training Centre ({site})"],
        ["a training centre for transmission and distribution engineers"],
        (2, 12),
        grant_only=True,
    ),
    # telecoms / ICT
    arch(
        "backbone",
        "telecoms",
        [[("22020", "100")]],
        3,
        [
            "National Fibre Optic Backbone Extension ({site}–{site2})",
            "{site} Metropolitan Fibre Ring",
        ],
        [
            "extension of the national fibre-optic backbone with new points of presence",
            "a metropolitan fibre ring connecting public institutions",
        ],
        (15, 200),
        two_sites=True,
        tech=("telecom_backbone", "telecom_backbone", None),
    ),
    arch(
        "rural_broadband",
        "telecoms",
        [[("22020", "100")]],
        2,
        ["Rural Broadband Connectivity Programme ({site} region)"],
        ["shared towers and broadband access for unserved rural communities"],
        (10, 120),
        tech=("telecom_backbone", None),
    ),
    arch(
        "open_ran",
        "telecoms",
        [[("22020", "100")]],
        1,
        ["{site} Open RAN 5G Pilot Network"],
        ["an open, interoperable 5G radio access network pilot with trusted vendors"],
        (10, 80),
        tech=("5g_ran+5g_core",),
    ),
    arch(
        "satellite",
        "telecoms",
        [[("22020", "100")]],
        1,
        ["{site} Satellite Ground Station for Disaster Early Warning"],
        ["a satellite ground station supporting disaster early-warning broadcasts"],
        (5, 40),
        tech=("satellite_ground_station",),
    ),
    arch(
        "data_centre",
        "telecoms",
        [[("22040", "100")]],
        2,
        ["Government Data Centre and Cloud Migration ({country})"],
        [
            "a tier-III government data centre and migration of ministry systems to a sovereign cloud"
        ],
        (10, 90),
        tech=("data_centre",),
    ),
    arch(
        "egov",
        "telecoms",
        [[("22040", "100")]],
        2,
        ["Digital Public Infrastructure and e-Government Platform ({country})"],
        ["digital identity, payments and data-exchange building blocks for public services"],
        (5, 50),
        tech=(None, "data_centre"),
    ),
    arch(
        "ict_policy",
        "telecoms",
        [[("22011", "100")], [("22010", "100")]],
        1,
        [
            "Telecommunications Regulatory Capacity Development ({country})",
            "National Spectrum Management Modernisation ({country})",
        ],
        ["capacity development for the telecommunications regulator on spectrum and competition"],
        (1, 6),
        grant_only=True,
    ),
    # water
    arch(
        "water_supply",
        "water",
        [[("14020", "100")], [("14021", "100")]],
        4,
        ["{site} Water Supply and Sewerage Improvement", "{site} Water Treatment Plant Expansion"],
        [
            "expansion of water treatment capacity and transmission mains",
            "water supply and sewerage improvements for under-served districts",
        ],
        (20, 300),
    ),
    arch(
        "desalination",
        "water",
        [[("14021", "100")]],
        1,
        ["{site} Seawater Desalination Plant"],
        ["a reverse-osmosis seawater desalination plant with marine intake and brine outfall"],
        (60, 500),
        coastal=True,
        maritime=(("water_quality_sampling",),),
    ),
    arch(
        "wastewater",
        "water",
        [[("14022", "100")], [("14022", "70"), ("14021", "30")]],
        3,
        ["{site} Wastewater Treatment Plant Construction", "{site} Sewerage Network Extension"],
        [
            "a wastewater treatment plant and trunk sewers",
            "extension of the sewerage network and house connections",
        ],
        (20, 250),
        maritime=((), ("water_quality_sampling",)),
    ),
    arch(
        "river_basin",
        "water",
        [[("14040", "100")]],
        1,
        ["{site} River Basin Flood Management"],
        ["flood embankments, retention ponds and a flood forecasting system for the river basin"],
        (20, 200),
    ),
    arch(
        "waste",
        "water",
        [[("14050", "100")]],
        1,
        ["{site} Solid Waste Management and Landfill Closure"],
        ["a sanitary landfill, transfer stations and closure of an open dump"],
        (10, 80),
    ),
    arch(
        "water_policy",
        "water",
        [[("14010", "100")], [("14015", "100")]],
        1,
        [
            "Non-Revenue Water Reduction Technical Assistance ({country})",
            "Hydrological Monitoring Network Modernisation ({country})",
        ],
        [
            "technical assistance to reduce non-revenue water through metering and leak detection",
            "modernisation of river gauges and telemetry for water-resources planning",
        ],
        (1, 8),
        grant_only=True,
    ),
]
ARCH_BY_KEY = {a["key"]: a for a in ARCHETYPES}

TAGS_BY_GROUP = {
    "ports": ["ports", "maritime", "blue-economy", "trade-facilitation", "logistics"],
    "transport": ["transport", "connectivity", "urban-mobility", "road-safety", "corridor"],
    "energy": ["energy", "energy-transition", "grid", "renewables", "climate-mitigation"],
    "telecoms": [
        "digital",
        "connectivity",
        "telecoms",
        "broadband",
        "digital-public-infrastructure",
    ],
    "water": ["water", "sanitation", "climate-adaptation", "urban-services", "resilience"],
}
COMMON_TAGS = [
    "quality-infrastructure",
    "PPP",
    "co-financing",
    "gender-inclusive",
    "disaster-risk-reduction",
    "capacity-building",
    "demo",
]
ROMAN = ["I", "II", "III", "IV"]


def short_country(code: str) -> str:
    return COUNTRIES[code][0].removeprefix("the ")


# --------------------------------------------------------------------------- #
# Generator
# --------------------------------------------------------------------------- #


class Generator:
    """Builds the project list; every random choice goes through one seeded Random."""

    def __init__(self, seed: int = SEED):
        self.rng = random.Random(seed)
        self.projects: list[dict] = []  # (reporting_org, year, record) before identifiers
        self.titles: set[str] = set()
        self.org_by_ref = {o["ref"]: o for o in ORGANISATIONS}

    # ---- small helpers --------------------------------------------------- #
    def wchoice(self, weights: dict):
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def pick_org(self) -> str:
        return self.wchoice({ref: p["weight"] for ref, p in ORG_PROFILES.items()})

    def pick_country(self, org: str, allowed=None, coastal=False, exclude=()) -> str:
        regions = ORG_PROFILES[org]["regions"]
        pool = [
            c
            for c in COUNTRIES
            if c not in exclude
            and (allowed is None or c in allowed)
            and (not coastal or any(s[4] for s in SITES[c]))
        ]
        weights = [regions.get(COUNTRIES[c][1], 0.3) for c in pool]
        return self.rng.choices(pool, weights=weights)[0]

    def pick_site_pair(self, country: str, a: dict):
        """A site for the project and, where a two-place title makes sense, a second one nearby."""
        usable = [
            s
            for s in SITES[country]
            if s[0] not in FIELD_SITES or (a["sites"] and s[0] in a["sites"])
        ]
        pool = [
            s
            for s in usable
            if (not a["coastal"] or s[4]) and (not a["sites"] or s[0] in a["sites"])
        ]
        pool = pool or [s for s in usable if not a["coastal"] or s[4]] or usable
        site = self.rng.choice(pool)
        reach = 1.5 if country in ("PH", "ID", "MY") else 6.0  # stay on one island
        near = [
            s for s in pool if s is not site and abs(s[1] - site[1]) + abs(s[2] - site[2]) <= reach
        ]
        site2 = self.rng.choice(near) if near and country not in SMALL_STATES else None
        return site, site2

    def pick_sites(self, country: str, coastal=False, k=1):
        sites = [s for s in SITES[country] if (s[4] or not coastal) and s[0] not in FIELD_SITES]
        k = min(k, len(sites))
        return self.rng.sample(sites, k)

    def date_between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))

    def month_start(self, d: dt.date) -> dt.date:
        return d.replace(day=1)

    def add_years(self, d: dt.date, years: float) -> dt.date:
        return d + dt.timedelta(days=int(years * 365.25))

    def planned_end(self, start: dt.date, years: float) -> dt.date:
        """Last day of the month before start + years (plans end at month ends), capped at LAST_DATE."""
        return min(self.month_start(self.add_years(start, years)) - dt.timedelta(days=1), LAST_DATE)

    def unique_title(self, title: str) -> str:
        title = re.sub(
            r"^(Port \S+|\S+ Port) Port ", r"\1 ", title
        )  # "Khalifa Port Port ..." -> "Khalifa Port ..."
        base, n = title, 1
        while title in self.titles:
            n += 1
            title = (
                f"{base} – Lot {n}"
                if "(Phase" in base
                else f"{base} (Phase {ROMAN[n - 1] if n <= len(ROMAN) else n})"
            )
        self.titles.add(title)
        return title

    def local_firm(
        self, country: str, speciality: str, site_name: str | None = None
    ) -> tuple[str, str]:
        _name, _region, _bbox, suffix, lang = COUNTRIES[country]
        place = site_name or self.rng.choice(SITES[country])[0]
        activity = self.rng.choice(
            LOCAL_ACTIVITIES[lang].get(speciality, LOCAL_ACTIVITIES[lang]["civil"])
        )
        if suffix == "PT":
            return f"PT {place} {activity}", country
        if lang in ("es", "pt", "fr"):
            return f"{activity} {place} {suffix}", country
        return f"{place} {activity} {suffix}", country

    def foreign_firm(self, speciality: str, prefer: str | None = None) -> tuple[str, str]:
        pool = [f for f in FIRMS if speciality in f[2].split()] or FIRMS
        preferred = [f for f in pool if f[1] == prefer]
        if preferred and self.rng.random() < 0.6:
            pool = preferred
        name, country, _ = self.rng.choice(pool)
        return name, country

    # ---- record parts ---------------------------------------------------- #
    def make_dates(self, status: str) -> dict:
        r = self.rng
        dur = r.choice([1.5, 2, 2.5, 3, 3.5, 4, 5, 6])
        if status == "pipeline":
            ps = self.month_start(self.date_between(dt.date(2026, 12, 1), dt.date(2030, 6, 30)))
            pe = self.planned_end(ps, dur)
            dates = {"planned_start": ps.isoformat()}
            if r.random() < 0.9:
                dates["planned_end"] = pe.isoformat()
            return dates
        if status == "implementation":
            a_s = self.date_between(dt.date(2018, 1, 1), dt.date(2026, 9, 30))
            ps = self.month_start(a_s - dt.timedelta(days=r.randrange(0, 240)))
            pe = self.planned_end(
                max(self.add_years(ps, dur), dt.date(2027, 1, 1)), r.randrange(0, 30) / 12
            )
            return {
                "planned_start": ps.isoformat(),
                "planned_end": pe.isoformat(),
                "actual_start": a_s.isoformat(),
            }
        if status in ("finalisation", "closed"):
            a_s = self.date_between(dt.date(2015, 1, 5), dt.date(2021, 12, 31))
            ps = max(self.month_start(a_s - dt.timedelta(days=r.randrange(0, 200))), FIRST_DATE)
            pe = self.planned_end(ps, dur)
            a_e = min(
                self.add_years(a_s, dur + r.choice([0, 0.25, 0.5, 1])),
                TODAY - dt.timedelta(days=30),
            )
            dates = {
                "planned_start": ps.isoformat(),
                "planned_end": pe.isoformat(),
                "actual_start": a_s.isoformat(),
            }
            if status == "closed" and r.random() < 0.06:
                del dates["planned_start"], dates["planned_end"]  # legacy record: actual dates only
            if status == "closed" or r.random() < 0.5:
                dates["actual_end"] = a_e.isoformat()
            return dates
        if status == "cancelled":
            ps = self.month_start(self.date_between(dt.date(2015, 3, 1), dt.date(2027, 6, 30)))
            dates = {
                "planned_start": ps.isoformat(),
                "planned_end": self.planned_end(ps, dur).isoformat(),
            }
            if ps < dt.date(2024, 1, 1) and r.random() < 0.35:
                a_s = ps + dt.timedelta(days=r.randrange(0, 120))
                a_e = min(a_s + dt.timedelta(days=r.randrange(90, 700)), TODAY)
                dates.update(actual_start=a_s.isoformat(), actual_end=a_e.isoformat())
            return dates
        # suspended
        a_s = self.date_between(dt.date(2017, 1, 1), dt.date(2025, 6, 30))
        ps = self.month_start(a_s - dt.timedelta(days=r.randrange(0, 200)))
        return {
            "planned_start": ps.isoformat(),
            "planned_end": self.planned_end(ps, dur + 1).isoformat(),
            "actual_start": a_s.isoformat(),
        }

    def make_finance(self, org: str, scale: tuple, instrument: str, country: str) -> dict:
        r = self.rng
        profile = ORG_PROFILES[org]
        currency = self.wchoice(profile["currencies"])
        if country in LOCAL_CURRENCIES and r.random() < 0.12:
            currency = LOCAL_CURRENCIES[country]
        lo, hi = scale
        if instrument == "grant":  # grant aid rarely funds the largest works
            hi = max(lo * 2, min(hi, 150))
        usd_m = lo * (hi / lo) ** r.random()  # log-uniform
        amount = usd_m * 1_000_000 * USD_RATES[currency]
        if currency in ZERO_DECIMAL_CURRENCIES or currency == "IDR":
            text = str(round(amount / 1_000_000) * 1_000_000)
        elif r.random() < 0.15:
            text = f"{Decimal(int(amount * 100)) / 100:.2f}"
        else:
            step = 1000 if amount < 20_000_000 else 100_000
            text = f"{round(amount / step) * step}.00"
        return {"amount": text, "currency": currency, "instrument": instrument}

    def make_location(self, site, country: str) -> dict:
        name, lat, lon, subdivision, _coastal = site
        lat += self.rng.uniform(-0.02, 0.02)
        lon += self.rng.uniform(-0.02, 0.02)
        lon = max(min(lon, 179.9999), -179.9999)
        loc = {"name": name, "latitude": f"{lat:.4f}", "longitude": f"{lon:.4f}"}
        if self.rng.random() < 0.85:  # subdivision is optional in the contract
            loc["subdivision"] = subdivision
        return loc

    def government(self, org: str) -> dict:
        o = self.org_by_ref[org]
        return {"name": o["name"], "role": "funding", "country": o["country"], "state_owned": True}

    def recipient_ministry(self, country: str, group: str, role="accountable") -> dict:
        ministry, agency = MINISTRIES[group]
        name = (
            f"{ministry}, {COUNTRIES[country][0]} (demo)"
            if role == "accountable"
            else f"{agency} of {COUNTRIES[country][0]} (demo)"
        )
        name = name[0].upper() + name[1:]
        return {"name": name, "role": role, "country": country, "state_owned": True}

    def firm(self, name_country, role: str, stake: str | None = None, state_owned=False) -> dict:
        name, country = name_country
        p = {"name": name, "role": role, "country": country, "state_owned": state_owned}
        if stake is not None:
            p["stake_percentage"] = stake
        return p

    def tech(self, category: str, vendor=None) -> dict:
        if vendor is None:
            vendor = self.rng.choice(TRUSTED_VENDORS[category])
        return {"category": category, "vendor": vendor[0], "vendor_country": vendor[1]}

    def describe(
        self,
        what: str,
        site_name: str,
        country: str,
        org: str,
        instrument: str,
        status: str,
        contractor: str | None,
        dates: dict,
    ) -> str:
        r = self.rng
        if r.random() < 0.04:
            return ""
        short = ORG_PROFILES[org]["short"]
        donor_country = DONOR_COUNTRY_NAMES[self.org_by_ref[org]["country"]]
        s1 = f"{what[0].upper()}{what[1:]} in {site_name}, {COUNTRIES[country][0]}."
        s2 = {
            "loan": f"Financed by a {r.choice([15, 20, 25, 30, 40])}-year concessional loan from {short}.",
            "grant": f"Grant-funded by {short}.",
            "guarantee": f"{short[0].upper()}{short[1:]} provides a partial credit guarantee to mobilise commercial lenders.",
            "equity": f"{short[0].upper()}{short[1:]} takes a minority equity position alongside private sponsors.",
            "export_credit": f"Supported by export credit for equipment supplied from {donor_country}.",
            "other": "Blended finance combining technical assistance with partner co-financing.",
        }[instrument]
        start_year = (dates.get("actual_start") or dates.get("planned_start"))[:4]
        s3 = {
            "pipeline": f"Procurement is expected to start in {start_year}.",
            "implementation": f"Works by {contractor} are under way."
            if contractor
            else "Works are under way.",
            "finalisation": "Physical works are complete and final accounts are being settled.",
            "closed": "Completed and handed over to the operator.",
            "cancelled": r.choice(
                [
                    "Cancelled at the partner government's request after a change of priorities.",
                    "Cancelled when the procurement failed to attract compliant bids.",
                ]
            ),
            "suspended": r.choice(
                [
                    "Works are suspended pending a review of land acquisition and resettlement.",
                    "Disbursements are suspended pending an independent procurement audit.",
                ]
            ),
        }[status]
        parts = [s1, s2, s3][: r.choice([1, 2, 3, 3])]
        return " ".join(parts)

    # ---- ordinary project ----------------------------------------------- #
    def ordinary(
        self,
        org: str,
        status: str,
        archetype: dict | None = None,
        country: str | None = None,
        contractor_override=None,
    ) -> dict:
        r = self.rng
        profile = ORG_PROFILES[org]
        if archetype is None:
            group = self.wchoice(profile["groups"])
            pool = [
                a
                for a in ARCHETYPES
                if a["group"] == group and (country is None or self.fits(a, country))
            ]
            pool = pool or [a for a in ARCHETYPES if self.fits(a, country)]
            archetype = r.choices(pool, weights=[a["weight"] for a in pool])[0]
        a = archetype
        if country is None:
            country = self.pick_country(org, allowed=a["countries"], coastal=a["coastal"])
        site, site2 = self.pick_site_pair(country, a)
        templates = [t for t in a["titles"] if "{site2}" not in t or site2]
        title = r.choice(templates).format(
            site=site[0],
            site2=site2[0] if site2 else "",
            country=short_country(country),
            phase=r.choice(ROMAN[:3]),
            n=r.randint(1, 5),
            mw=r.choice([30, 50, 80, 100, 150, 200, 300]),
            kv=r.choice([132, 220, 230, 330, 400, 500]),
        )
        sectors = [{"code": c, "percentage": p} for c, p in r.choice(a["sectors"])]
        if len(sectors) > 1 and r.random() < 0.3:
            for s in sectors:
                del s["percentage"]
        if a["grant_only"]:
            instrument = "grant"
        else:
            instrument = self.wchoice(profile["instruments"])
        dates = self.make_dates(status)
        finance = self.make_finance(org, a["scale"], instrument, country)

        participants = [self.government(org)]
        if r.random() < 0.85:
            participants.append(self.recipient_ministry(country, a["group"]))
        if r.random() < 0.35:
            participants.append(self.recipient_ministry(country, a["group"], role="implementing"))
        speciality = GROUP_SPECIALITY[a["group"]]
        if a["key"] == "rail":
            speciality = "rail"
        if status == "pipeline" or a["grant_only"]:
            speciality = "consult"
        if contractor_override:
            contractor = contractor_override
        else:
            roll = r.random()
            if roll < 0.45:
                contractor = self.foreign_firm(speciality, prefer=self.org_by_ref[org]["country"])
            elif roll < 0.7:
                contractor = self.foreign_firm(speciality)
            else:
                contractor = self.local_firm(country, speciality, site[0])
        participants.append(self.firm(contractor, "contractor"))
        if status != "pipeline" and r.random() < 0.3:
            participants.append(self.firm(self.local_firm(country, speciality), "contractor"))
        technologies = []
        choice = r.choice(a["tech"])
        if choice:
            for cat in choice.split("+"):
                technologies.append(self.tech(cat))
            if r.random() < 0.5:
                participants.append(
                    self.firm(
                        (technologies[0]["vendor"], technologies[0]["vendor_country"]), "supplier"
                    )
                )
        if instrument == "equity" or (a["group"] in ("ports", "energy") and r.random() < 0.08):
            inv = r.choice(PRIVATE_INVESTORS)
            participants.append(
                self.firm(inv, "investor", stake=r.choice(["20", "25", "30", "40", "49"]))
            )
        if (
            a["group"] in ("ports", "water", "energy")
            and status in ("closed", "finalisation")
            and r.random() < 0.3
        ):
            participants.append(
                self.firm(
                    self.local_firm(country, speciality, site[0]),
                    "operator",
                    stake=r.choice([None, "100", "60"]),
                )
            )
        participants = self.dedupe_participants(participants)
        maritime = list(r.choice(a["maritime"]))
        locations = [self.make_location(site, country)]
        if site2 and a["two_sites"] and "{site2}" in title:
            locations.append(self.make_location(site2, country))
        if a["grant_only"] and r.random() < 0.4:
            locations = []
        tags = self.make_tags(a["group"], country, instrument)
        record = {
            "title": self.unique_title(title),
            "description": self.describe(
                r.choice(a["what"]), site[0], country, org, instrument, status, contractor[0], dates
            ),
            "status": status,
            "recipient_countries": [{"code": country, "percentage": "100"}]
            if r.random() < 0.8
            else [{"code": country}],
            "sectors": sectors,
            "dates": dates,
            "finance": finance,
            "participants": participants,
            "technologies": technologies,
            "maritime_activities": maritime,
            "export_control_categories": [],
            "locations": locations,
            "tags": tags,
        }
        return record

    @staticmethod
    def fits(a: dict, country: str) -> bool:
        """Whether an archetype can be placed in a country."""
        return (a["countries"] is None or country in a["countries"]) and (
            not a["coastal"] or any(s[4] for s in SITES[country])
        )

    def dedupe_participants(self, participants: list[dict]) -> list[dict]:
        seen, out = set(), []
        for p in participants:
            key = (p["name"], p["role"])
            if key not in seen:
                seen.add(key)
                out.append(p)
        return out

    def make_tags(self, group: str, country: str, instrument: str, extra=()) -> list[str]:
        r = self.rng
        tags = r.sample(TAGS_BY_GROUP[group], r.randint(1, 3))
        if r.random() < 0.5:
            tags.append(
                REGION_NAMES[COUNTRIES[country][1]].lower().replace(" & ", "-").replace(" ", "-")
            )
        if r.random() < 0.4:
            tags.append(r.choice(COMMON_TAGS))
        if instrument in ("guarantee", "equity", "export_credit"):
            tags.append("private-capital-mobilisation")
        tags.extend(extra)
        out = []
        for t in tags:
            if t not in out:
                out.append(t)
        return out

    def add(self, org: str, record: dict):
        record["description"] = re.sub(
            r"(?<!\.)\.\.(?!\.)", ".", record["description"]
        )  # "Inc.." -> "Inc."
        self.projects.append({"reporting_org": org, "record": record})

    # ---- screening scenarios -------------------------------------------- #
    def scenario_high_risk_5g(self, org: str, status: str, i: int):
        r = self.rng
        vendor = HIGH_RISK_5G[i % len(HIGH_RISK_5G)]
        name = vendor[0]
        if name.startswith("China"):
            archetype = (
                ARCH_BY_KEY["backbone"] if "Telecom" in name else ARCH_BY_KEY["rural_broadband"]
            )
        elif name == "Kaspersky Lab":
            archetype = ARCH_BY_KEY["data_centre"]
        else:
            archetype = ARCH_BY_KEY["rural_broadband"]
        rec = self.ordinary(org, status, archetype)
        country = rec["recipient_countries"][0]["code"]
        cname = COUNTRIES[country][0]
        site = rec["locations"][0]["name"] if rec["locations"] else SITES[country][0][0]
        rec["participants"] = [p for p in rec["participants"] if p["role"] != "supplier"]
        if name.lower().startswith("huawei"):
            options = [
                f"{site} 5G Mobile Network Rollout",
                f"Nationwide 5G Standalone Core and RAN Upgrade ({short_country(country)})",
            ]
            if any(x[0] == site and x[4] for x in SITES[country]):
                options.append(f"{site} Smart Port 5G Private Network")
            rec["title"] = self.unique_title(r.choice(options))
            rec["technologies"] = [self.tech("5g_ran", vendor), self.tech("5g_core", vendor)]
            if "Smart Port" in rec["title"]:
                rec["sectors"] = [
                    {"code": "21040", "percentage": "60"},
                    {"code": "22020", "percentage": "40"},
                ]
            if r.random() < 0.6:
                rec["participants"].append(self.firm(vendor, "supplier"))
            text = (
                f"5G radio access and core network equipment for {site}, {cname}, procured by the national "
                f"operator under a vendor-financed supply contract with {name}."
            )
        elif name == "ZTE Corporation":
            rec["title"] = self.unique_title(
                r.choice(
                    [
                        f"{site} 4G/5G Radio Access Network Expansion",
                        f"{site} Mobile Core Network Modernisation",
                    ]
                )
            )
            cat = "5g_core" if "Core" in rec["title"] else "5g_ran"
            if i >= len(HIGH_RISK_5G):  # second ZTE case: named only as a supplier
                rec["technologies"] = [{"category": cat}]
                rec["participants"].append(self.firm(vendor, "supplier"))
            else:
                rec["technologies"] = [self.tech(cat, vendor)]
            text = f"Expansion of mobile network capacity around {site}, {cname}. Main equipment supplier: {name}."
        elif name.startswith("Hytera"):
            rec["title"] = self.unique_title(f"{site} Public Safety Broadband Network (LTE/5G)")
            rec["technologies"] = [self.tech("5g_ran", vendor)]
            rec["participants"].append(self.firm(vendor, "supplier"))
            text = (
                f"A mission-critical broadband network for police, fire and ambulance services in {site}, "
                f"with terminals and base stations from {name}."
            )
        elif name == "Kaspersky Lab":
            rec["title"] = self.unique_title(
                f"National Cyber Security Operations Centre ({short_country(country)})"
            )
            rec["technologies"] = [self.tech("data_centre"), self.tech("other", vendor)]
            text = (
                f"A national security operations centre in {site}, {cname}, monitoring government networks; "
                f"endpoint protection and threat-intelligence licences from {name}."
            )
        else:  # Chinese carriers as operator and core/backbone vendor
            rec["title"] = self.unique_title(
                r.choice(
                    [
                        f"{site} 5G Wholesale Network Concession",
                        f"{site} International Gateway and 5G Core",
                    ]
                )
            )
            rec["technologies"] = [
                self.tech("5g_core", vendor),
                self.tech("telecom_backbone", vendor),
            ]
            stake = r.choice(["35", "51", "49"])
            rec["participants"].append(self.firm(vendor, "operator", stake=stake, state_owned=True))
            text = (
                f"A wholesale 5G and international gateway concession in {site}, {cname}, operated by "
                f"{name} with a {stake}% stake."
            )
        rec["description"] = text
        rec["tags"] = self.make_tags(
            "telecoms",
            country,
            rec["finance"]["instrument"],
            extra=["cyber-security" if name == "Kaspersky Lab" else "5g"],
        )
        self.add(org, rec)

    def scenario_surveillance(self, org: str, status: str, i: int):
        r = self.rng
        vendor = HIGH_RISK_CAMERAS[i % 2]
        kind = i % 3
        archetype = [
            ARCH_BY_KEY["egov"],
            ARCH_BY_KEY["public_transport"],
            ARCH_BY_KEY["port_digital"],
        ][kind]
        rec = self.ordinary(org, status, archetype)
        country = rec["recipient_countries"][0]["code"]
        site = rec["locations"][0]["name"] if rec["locations"] else SITES[country][0][0]
        rec["title"] = self.unique_title(
            [
                f"{site} Safe City Surveillance and Command Centre",
                f"{site} Intelligent Traffic Enforcement Camera Network",
                f"{site} Port Perimeter Security and CCTV Upgrade",
            ][kind]
        )
        rec["technologies"] = [self.tech("surveillance_camera", vendor)]
        if kind == 0:
            rec["technologies"].append(self.tech("ai_system", vendor))
        if r.random() < 0.5:
            rec["participants"].append(self.firm(vendor, "supplier"))
        rec["description"] = (
            f"Installation of IP cameras, video analytics and a monitoring centre in {site}. "
            f"Cameras supplied by {vendor[0]}."
        )
        self.add(org, rec)

    def scenario_drone(self, org: str, status: str, i: int):
        vendor = HIGH_RISK_DRONES[i % 2]
        kind = i % 4
        archetype = [
            ARCH_BY_KEY["transmission"],
            ARCH_BY_KEY["road"],
            ARCH_BY_KEY["river_basin"],
            ARCH_BY_KEY["dredging"],
        ][kind]
        rec = self.ordinary(org, status, archetype)
        country = rec["recipient_countries"][0]["code"]
        site = rec["locations"][0]["name"] if rec["locations"] else SITES[country][0][0]
        rec["title"] = self.unique_title(
            [
                f"{site} Drone-Based Transmission Line Inspection Programme",
                f"{site} Bridge Inspection and Asset Management with UAS",
                f"{site} Flood Mapping with Unmanned Aerial Systems",
                f"{site} UAS Coastal and Port Approach Mapping",
            ][kind]
        )
        rec["technologies"] = [self.tech("drone_uas", vendor)]
        if kind == 3:
            rec["maritime_activities"] = ["bathymetry"]
        rec["participants"].append(self.firm(vendor, "supplier"))
        rec["description"] = (
            f"Procurement of unmanned aerial systems and training of inspection crews in {site}, "
            f"{COUNTRIES[country][0]}. Aircraft: {vendor[0]}."
        )
        self.add(org, rec)

    CABLE_ROUTES: ClassVar = [
        (("FJ", "TO"), ("50", "50")),
        (("PG", "SB"), ("50", "50")),
        (("VN", "PH"), ("50", "50")),
        (("KE", "TZ", "MZ"), ("40", "30", "30")),
        (("SN", "CI"), None),
        (("JO", "SA", "EG"), ("33.33", "33.33", "33.34")),
        (("PW", "FM"), ("60", "40")),
        (("MV", "LK"), ("50", "50")),
    ]

    def scenario_cable(self, org: str, status: str, i: int):
        r = self.rng
        codes, pcts = self.CABLE_ROUTES[i % len(self.CABLE_ROUTES)]
        rec = self.ordinary(org, status, ARCH_BY_KEY["backbone"], country=codes[0])
        landings = [self.pick_sites(c, coastal=True)[0] for c in codes]
        names = [COUNTRIES[c][0].removeprefix("the ") for c in codes]
        rec["title"] = self.unique_title(f"{' – '.join(names)} Submarine Cable System")
        rec["recipient_countries"] = (
            [{"code": c, "percentage": p} for c, p in zip(codes, pcts)]
            if pcts
            else [{"code": c} for c in codes]
        )
        rec["sectors"] = [{"code": "22020", "percentage": "100"}]
        rec["locations"] = [self.make_location(s, c) for s, c in zip(landings, codes)]
        rec["maritime_activities"] = ["undersea_cable_laying"] + r.choice(
            [["seabed_survey"], ["bathymetry"], ["seabed_survey", "bathymetry"], []]
        )
        if i % 4 == 3:
            rec["technologies"] = [{"category": "undersea_cable", "vendor": ""}]
            rec["participants"] = [
                p for p in rec["participants"] if p["role"] not in ("contractor", "supplier")
            ]
            vendor_text = "The cable supplier has not been disclosed."
        else:
            vendor = r.choice(TRUSTED_VENDORS["undersea_cable"])
            rec["technologies"] = [self.tech("undersea_cable", vendor)]
            rec["participants"] = [
                p for p in rec["participants"] if p["role"] not in ("contractor", "supplier")
            ]
            rec["participants"].append(self.firm(vendor, "contractor"))
            vendor_text = f"Marine survey and cable laying by {vendor[0]}."
        landing_text = ", ".join(s[0] for s in landings[:-1]) + " and " + landings[-1][0]
        rec["description"] = (
            f"A repeatered submarine fibre-optic cable with landing stations at {landing_text}. {vendor_text}"
        )
        rec["tags"] = ["undersea-cable", "connectivity", "digital", "regional"]
        self.add(org, rec)

    MARITIME_CASES: ClassVar = [
        ("offshore_wind", ["VN", "PH", "IN", "PL", "TR", "BR", "ZA", "LK", "RO", "CL"]),
        ("offshore_wind", None),
        ("offshore_wind", None),
        ("offshore_wind", None),
        ("tidal", ["PH", "ID", "IN", "FJ", "CL", "AR"]),
        ("port_survey", None),
        ("coastal_monitoring", None),
        ("geotech", None),
    ]

    def scenario_maritime(self, org: str, status: str, i: int):
        r = self.rng
        kind, allowed = self.MARITIME_CASES[i % len(self.MARITIME_CASES)]
        offshore_countries = self.MARITIME_CASES[0][1]
        if kind == "offshore_wind":
            country = self.pick_country(org, allowed=offshore_countries, coastal=True)
            rec = self.ordinary(org, status, ARCH_BY_KEY["onshore_wind"], country=country)
            site = self.pick_sites(country, coastal=True)[0]
            rec["locations"] = [self.make_location(site, country)]
            mw = r.choice([400, 500, 600, 800, 1000])
            rec["title"] = self.unique_title(f"{site[0]} Offshore Wind Farm ({mw} MW)")
            rec["maritime_activities"] = ["offshore_wind", "seabed_survey", "geological_survey"]
            rec["participants"] = [p for p in rec["participants"] if p["role"] != "contractor"]
            rec["participants"].append(
                self.firm(("Øresund Offshore Engineering A/S", "DK"), "contractor")
            )
            rec["description"] = (
                f"Site investigation, seabed and geotechnical surveys and foundation design for a "
                f"{mw} MW fixed-bottom offshore wind farm off {site[0]}, {COUNTRIES[country][0]}."
            )
            rec["tags"] = ["offshore-wind", "energy-transition", "blue-economy"]
        elif kind == "tidal":
            country = self.pick_country(org, allowed=allowed, coastal=True)
            rec = self.ordinary(org, status, ARCH_BY_KEY["re_multi"], country=country)
            site = self.pick_sites(country, coastal=True)[0]
            rec["locations"] = [self.make_location(site, country)]
            rec["title"] = self.unique_title(f"{site[0]} Tidal Stream Energy Resource Assessment")
            rec["sectors"] = [{"code": "23250", "percentage": "100"}]
            rec["maritime_activities"] = ["bathymetry", "seabed_survey"]
            rec["description"] = (
                f"Bathymetric and current surveys to assess tidal stream energy potential near {site[0]}."
            )
            rec["tags"] = ["marine-energy", "ocean-data"]
        else:
            archetype = {
                "port_survey": "dredging",
                "coastal_monitoring": "river_basin",
                "geotech": "container_terminal",
            }[kind]
            rec = self.ordinary(
                org, status, ARCH_BY_KEY[archetype], country=self.pick_country(org, coastal=True)
            )
            country = rec["recipient_countries"][0]["code"]
            site = self.pick_sites(country, coastal=True)[0]
            rec["locations"] = [self.make_location(site, country)]
            if kind == "port_survey":
                rec["title"] = self.unique_title(f"{site[0]} Port Approach Bathymetric Survey")
                rec["maritime_activities"] = ["bathymetry", "dredging"]
            elif kind == "coastal_monitoring":
                rec["title"] = self.unique_title(
                    f"{site[0]} Coastal Seabed and Water Quality Monitoring"
                )
                rec["sectors"] = [{"code": "14015", "percentage": "100"}]
                rec["maritime_activities"] = ["seabed_survey", "water_quality_sampling"]
            else:
                rec["title"] = self.unique_title(
                    f"{site[0]} Offshore Geotechnical Investigation for Port Expansion"
                )
                rec["maritime_activities"] = ["geological_survey", "seabed_survey"]
            rec["description"] = (
                f"Marine survey campaign near {site[0]}, {COUNTRIES[country][0]}; survey data are "
                "shared with the national hydrographic office."
            )
            rec["tags"] = ["ocean-data", "maritime"]
        self.add(org, rec)

    SOE_CASES: ClassVar = [
        "ports",
        "energy",
        "transport",
        "water",
        "telecoms",
        "energy",
        "ports",
        "water",
        "energy",
        "ports",
        "transport",
    ]

    def scenario_state_investor(self, org: str, status: str, i: int):
        r = self.rng
        group = self.SOE_CASES[i % len(self.SOE_CASES)]
        candidates = [s for s in STATE_INVESTORS if s[2] == group]
        soe = candidates[i % len(candidates)]
        archetype = {
            "ports": "container_terminal",
            "energy": r.choice(["gas", "transmission", "hydro", "solar"]),
            "transport": "rail",
            "water": "desalination",
            "telecoms": "backbone",
        }[group]
        a = ARCH_BY_KEY[archetype]
        country = self.pick_country(
            org, allowed=a["countries"], coastal=a["coastal"], exclude=(soe[1],)
        )
        rec = self.ordinary(org, status, a, country=country)
        role = "investor" if i % 3 else "operator"
        stake = r.choice(["35", "51", "49", "25.5", "70", "20"])
        rec["participants"].append(self.firm(soe[:2], role, stake=stake, state_owned=True))
        rec["description"] = (
            rec["description"] + " " if rec["description"] else ""
        ) + f"{soe[0]} holds a {stake}% stake as {role}."
        if "PPP" not in rec["tags"]:
            rec["tags"].append("PPP")
        self.add(org, rec)

    # (archetype, export-control categories, technology, vendor or None for a trusted one, countries, title, text)
    DUAL_USE: ClassVar = [
        (
            "egov",
            ["5P2"],
            "telecom_backbone",
            None,
            MIDDLE_INCOME,
            "Government Secure Communications Network Upgrade ({country})",
            "Encrypted government communications links between ministries and provincial offices.",
        ),
        (
            "transmission",
            ["3", "4"],
            "semiconductor",
            None,
            CHIP_HUBS,
            "{site} Semiconductor Industrial Park Power and Ultrapure Water Supply",
            "Dedicated substations and ultrapure water supply for a semiconductor back-end packaging cluster.",
        ),
        (
            "port_digital",
            ["6"],
            "other",
            ("Shiokaze Radar Systems K.K.", "JP"),
            None,
            "{site} Coastal Radar and Maritime Domain Awareness System",
            "Coastal radar, AIS receivers and electro-optical sensors feeding a maritime domain awareness centre.",
        ),
        (
            "satellite",
            ["9"],
            "satellite_ground_station",
            None,
            MIDDLE_INCOME,
            "{site} Earth Observation Satellite Ground Segment",
            "A ground segment and data centre for a small earth-observation satellite constellation.",
        ),
        (
            "public_transport",
            ["4"],
            "ai_system",
            None,
            MIDDLE_INCOME,
            "{site} AI-Based Traffic Management Centre",
            "An AI-based adaptive signal control and incident detection platform for the city traffic centre.",
        ),
        (
            "backbone",
            ["5P1", "5P2"],
            "quantum",
            None,
            MIDDLE_INCOME,
            "Quantum Key Distribution Pilot on the National Backbone ({country})",
            "A quantum key distribution pilot securing backbone links between government data centres.",
        ),
        (
            "energy_policy",
            [],
            "nuclear",
            None,
            NUCLEAR_NEWCOMERS,
            "Nuclear Safety Regulatory Capacity Programme ({country})",
            "Support to the nuclear safety regulator on licensing, inspection and emergency preparedness.",
        ),
        (
            "air",
            ["7"],
            "other",
            ("Orbital Meridian Ltd", "GB"),
            None,
            "{site} Air Navigation Services Modernisation (GNSS/SBAS)",
            "Satellite-based augmentation and new navigation aids for the national air navigation service provider.",
        ),
        (
            "dredging",
            ["8"],
            "other",
            ("Kuroshio Ocean Robotics K.K.", "JP"),
            None,
            "{site} Autonomous Hydrographic Survey Vessel Programme",
            "Autonomous surface vessels with multibeam echo sounders for port and coastal hydrographic surveys.",
        ),
        (
            "rail",
            ["1", "2"],
            "other",
            ("Tsukuba Materials Testing K.K.", "JP"),
            MIDDLE_INCOME,
            "{site} Advanced Materials Testing Laboratory for Rail Components",
            "A laboratory with composite-materials testing and precision machining for rolling-stock components.",
        ),
        (
            "transmission",
            [],
            "ai_system",
            None,
            MIDDLE_INCOME,
            "{site} AI-Enabled Grid Load Forecasting Platform",
            "Machine-learning load and renewable output forecasting for the national control centre.",
        ),
        (
            "data_centre",
            ["3"],
            "semiconductor",
            None,
            CHIP_HUBS,
            "{site} Chip Design Training Centre and Data Centre",
            "A chip-design training centre with electronic design automation servers and a secure data centre.",
        ),
    ]

    def scenario_dual_use(self, org: str, status: str, i: int):
        key, categories, tech_cat, vendor, countries, title, text = self.DUAL_USE[
            i % len(self.DUAL_USE)
        ]
        a = ARCH_BY_KEY[key]
        allowed = [
            c for c in (countries or COUNTRIES) if a["countries"] is None or c in a["countries"]
        ]
        rec = self.ordinary(
            org, status, a, country=self.pick_country(org, allowed=allowed, coastal=a["coastal"])
        )
        country = rec["recipient_countries"][0]["code"]
        site = rec["locations"][0]["name"] if rec["locations"] else SITES[country][0][0]
        if tech_cat == "nuclear":
            rec["sectors"] = [{"code": "23510", "percentage": "100"}]
        if key == "dredging":
            rec["maritime_activities"] = ["bathymetry"]
        rec["title"] = self.unique_title(title.format(site=site, country=short_country(country)))
        rec["description"] = text
        rec["technologies"] = [self.tech(tech_cat, vendor)]
        rec["export_control_categories"] = list(categories)
        rec["tags"].append("dual-use-review")
        self.add(org, rec)

    INCOMPLETE: ClassVar = [
        ("rural_broadband", "5g_ran", "omit"),
        ("gas", None, None),
        ("container_terminal", "port_automation", "empty"),
        ("transmission", "grid_scada", "omit"),
        ("data_centre", "data_centre", "empty"),
        ("berth", None, None),
        ("solar", None, None),
    ]

    def scenario_incomplete(self, org: str, status: str, i: int):
        key, cat, mode = self.INCOMPLETE[i % len(self.INCOMPLETE)]
        rec = self.ordinary(org, status, ARCH_BY_KEY[key])
        rec["participants"] = [
            p
            for p in rec["participants"]
            if p["role"] in ("funding", "accountable", "implementing")
        ]
        if cat is None:
            rec["technologies"] = []
        elif mode == "omit":
            rec["technologies"] = [{"category": cat}]
        else:
            rec["technologies"] = [{"category": cat, "vendor": ""}]
        rec["description"] = (
            rec["description"].split(". ")[0].rstrip(".") + "." if rec["description"] else ""
        )
        self.add(org, rec)

    DECOY_ARCH: ClassVar = {
        "telecom": "backbone",
        "civil": "road",
        "rail": "rail",
        "marine": "container_terminal",
        "consult": "water_supply",
    }

    def scenario_decoy(self, org: str, status: str, i: int):
        name, country, speciality = DECOYS[i % len(DECOYS)]
        archetype = ARCH_BY_KEY[self.DECOY_ARCH[speciality]]
        recipient = "DJ" if country == "DJ" else None
        rec = self.ordinary(
            org, status, archetype, country=recipient, contractor_override=(name, country)
        )
        if speciality == "telecom":
            rec["technologies"] = [self.tech("telecom_backbone", (name, country))]
        self.add(org, rec)

    # ---- special cases ---------------------------------------------------- #
    def special_cases(self):
        rec = self.ordinary(
            "AU-GOV-1",
            "implementation",
            ARCH_BY_KEY["ferry"],
            country="FJ",
            contractor_override=("Coral Sea Engineering Pty Ltd", "AU"),
        )
        rec["title"] = "<script>alert(1)</script> Harbour Lighting Upgrade"
        rec["finance"] = {"amount": "2450000.00", "currency": "AUD", "instrument": "grant"}
        rec["participants"] = [p for p in rec["participants"] if p["role"] != "investor"]
        self.titles.add(rec["title"])
        rec["description"] = (
            "Replacement of navigation lights & solar-powered beacons at Suva harbour "
            '<b>"demo"</b> — tests escaping of <, >, & and quotes.'
        )
        rec["locations"] = [self.make_location(SITES["FJ"][0], "FJ")]
        self.add("AU-GOV-1", rec)

        rec = self.ordinary(
            "JP-JIDA",
            "implementation",
            ARCH_BY_KEY["container_terminal"],
            country="VN",
            contractor_override=("Sakura Marine Construction Co., Ltd.", "JP"),
        )
        rec["participants"] = [p for p in rec["participants"] if p["role"] != "investor"]
        rec["title"] = "ダナン港 コンテナターミナル拡張事業（フェーズII）"
        self.titles.add(rec["title"])
        rec["description"] = (
            "ダナン港ティエンサ地区において、コンテナターミナルの岸壁延伸およびヤード拡張を行う。"
            "円借款による支援（デモデータ）。"
        )
        rec["locations"] = [
            {
                "name": "ダナン港 (Da Nang Port)",
                "latitude": "16.1205",
                "longitude": "108.2130",
                "subdivision": "VN-DN",
            }
        ]
        rec["tags"] = ["港湾", "ports", "quality-infrastructure"]
        rec["finance"] = {"amount": "18450000000", "currency": "JPY", "instrument": "loan"}
        self.add("JP-JIDA", rec)

        # A zero-amount cancelled commitment (amount must still be >= 0).
        rec = self.ordinary("KR-GOV-1", "cancelled", ARCH_BY_KEY["air"])
        rec["finance"]["amount"] = (
            "0" if rec["finance"]["currency"] in ZERO_DECIMAL_CURRENCIES else "0.00"
        )
        rec["description"] = "Commitment withdrawn before signature; no funds were committed."
        self.add("KR-GOV-1", rec)

    REGIONAL: ClassVar = [
        (
            "Greater Mekong Power Interconnection (Laos–Thailand)",
            "transmission",
            ["LA", "TH"],
            ["50", "50"],
        ),
        ("Pacific Outer Islands Solar Programme", "isolated_solar", ["FJ", "TO", "WS", "VU"], None),
        ("Namanga–Arusha Road Corridor Improvement", "road", ["KE", "TZ"], ["55", "45"]),
        ("Central Asia 500 kV Transmission Link", "transmission", ["UZ", "KZ"], ["60", "40"]),
        ("Danube Black Sea Rail Freight Corridor", "rail", ["RO", "RS"], ["50", "50"]),
        (
            "West Africa Coastal Water Security Programme",
            "water_supply",
            ["SN", "GH", "CI"],
            ["34", "33", "33"],
        ),
    ]

    def regional_cases(self):
        for title, key, codes, pcts in self.REGIONAL:
            org = self.pick_org()
            status = self.rng.choices(STATUSES, weights=STATUS_WEIGHTS)[0]
            rec = self.ordinary(org, status, ARCH_BY_KEY[key], country=codes[0])
            rec["title"] = self.unique_title(title)
            rec["recipient_countries"] = (
                [{"code": c, "percentage": p} for c, p in zip(codes, pcts)]
                if pcts
                else [{"code": c} for c in codes]
            )
            rec["locations"] = [self.make_location(self.pick_sites(c)[0], c) for c in codes]
            rec["tags"].append("regional")
            self.add(org, rec)

    # ---- driver ----------------------------------------------------------- #
    SCENARIOS: ClassVar = {
        "high_risk_5g": 12,
        "surveillance": 5,
        "drone": 5,
        "cable": 8,
        "maritime": 8,
        "state_investor": 11,
        "dual_use": 12,
        "incomplete": 7,
        "decoy": 6,
    }

    def run(self) -> list[dict]:
        r = self.rng
        self.special_cases()
        self.regional_cases()
        slots = [(kind, i) for kind, n in self.SCENARIOS.items() for i in range(n)]
        slots += [("ordinary", i) for i in range(PROJECT_COUNT - len(slots) - len(self.projects))]
        r.shuffle(slots)
        # every recipient country gets at least one ordinary project, by a partner active in its region
        must_cover = sorted(COUNTRIES)
        r.shuffle(must_cover)
        for kind, i in slots:
            org = self.pick_org()
            status = r.choices(STATUSES, weights=STATUS_WEIGHTS)[0]
            if kind == "ordinary":
                country = must_cover.pop() if must_cover else None
                if country:
                    org = self.wchoice(
                        {
                            ref: p["weight"] * p["regions"].get(COUNTRIES[country][1], 0.1)
                            for ref, p in ORG_PROFILES.items()
                        }
                    )
                self.add(org, self.ordinary(org, status, country=country))
            else:
                getattr(self, f"scenario_{kind}")(org, status, i)
        return self.finish()

    def finish(self) -> list[dict]:
        seq = Counter()
        out = []
        for item in self.projects:
            org, rec = item["reporting_org"], item["record"]
            year = (rec["dates"].get("planned_start") or rec["dates"]["actual_start"])[:4]
            seq[(org, year)] += 1
            identifier = f"{org}-{year}-{seq[(org, year)]:03d}"
            ordered = {"reporting_org": org, "identifier": identifier}
            ordered.update({k: rec[k] for k in RECORD_FIELDS if k != "identifier"})
            out.append(ordered)
        out.sort(key=lambda p: p["identifier"])
        return out


# --------------------------------------------------------------------------- #
# Output
# --------------------------------------------------------------------------- #


def dump(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))


# --------------------------------------------------------------------------- #
# Assertion pass
# --------------------------------------------------------------------------- #


def find_codelist(name: str) -> Path | None:
    candidates = []
    if os.environ.get("IATI_CODELISTS"):
        candidates.append(Path(os.environ["IATI_CODELISTS"]) / name)
    candidates += [
        HERE / "codelists" / name,
        HERE / "iati" / "codelists" / name,
        HERE.parent.parent / "shared" / "iati" / "codelists" / name,
        Path("/work/shared/iati/codelists") / name,
    ]
    return next((c for c in candidates if c.is_file()), None)


def load_codelist(name: str) -> tuple[set[str], set[str]] | None:
    """Return (active codes, withdrawn codes) of an IATI codelist XML, or None if not found."""
    path = find_codelist(name)
    if path is None:
        return None
    active, withdrawn = set(), set()
    for item in ET.parse(path).getroot().iter("codelist-item"):
        code = (item.findtext("code") or "").strip()
        (withdrawn if item.get("status") == "withdrawn" else active).add(code)
    return active, withdrawn


def normalise_tokens(name: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", name.lower())


def high_risk_match(name: str, kinds=("telecom", "surveillance", "drone")) -> bool:
    """Whole-token match against the high-risk vendor keys (so "Zteam" is not "ZTE")."""
    tokens = normalise_tokens(name)
    for kind in kinds:
        for key in HIGH_RISK_KEYS[kind]:
            n = len(key)
            if any(tuple(tokens[i : i + n]) == key for i in range(len(tokens) - n + 1)):
                return True
    return False


def sector_group(code: str) -> str:
    if code == "21040":
        return "ports"
    return {"21": "transport", "22": "telecoms", "23": "energy", "14": "water"}.get(
        code[:2], "other"
    )


def project_flags(p: dict) -> set[str]:
    """What a security review is expected to notice in a project (summary only)."""
    flags = set()
    names = [t.get("vendor") or "" for t in p["technologies"]] + [
        x["name"] for x in p["participants"]
    ]
    cats = {t["category"] for t in p["technologies"]}
    for kind in HIGH_RISK_KEYS:
        if any(high_risk_match(n, (kind,)) for n in names):
            flags.add(f"high_risk_{kind}")
    maritime = set(p["maritime_activities"])
    if "undersea_cable" in cats or "undersea_cable_laying" in maritime:
        flags.add("undersea_cable")
    if maritime & {"seabed_survey", "bathymetry", "geological_survey"}:
        flags.add("maritime_survey")
    if "offshore_wind" in maritime:
        flags.add("offshore_wind")
    recipients = {c["code"] for c in p["recipient_countries"]}
    if any(
        x["state_owned"]
        and x["role"] in ("investor", "operator")
        and x["country"] not in recipients
        for x in p["participants"]
    ):
        flags.add("foreign_state_owned")
    if p["export_control_categories"] or cats & {
        "semiconductor",
        "ai_system",
        "quantum",
        "nuclear",
    }:
        flags.add("dual_use")
    groups = {sector_group(s["code"]) for s in p["sectors"]}
    if (
        groups & {"telecoms", "energy", "ports"}
        and not any(t.get("vendor") for t in p["technologies"])
        and not any(x["role"] in ("contractor", "supplier") for x in p["participants"])
    ):
        flags.add("incomplete_disclosure")
    return flags


def check_percentages(items: list[dict], what: str) -> None:
    has = ["percentage" in i for i in items]
    assert all(has) or not any(has), f"{what}: percentage on some entries only"
    if all(has):
        total = Decimal(0)
        for i in items:
            pct = i["percentage"]
            assert isinstance(pct, str) and re.fullmatch(r"\d{1,3}(\.\d{1,2})?", pct), (
                f"{what}: bad percentage {pct!r}"
            )
            assert Decimal(0) < Decimal(pct) <= Decimal(100), (
                f"{what}: percentage {pct} out of range"
            )
            total += Decimal(pct)
        assert total == Decimal(100), f"{what}: percentages sum to {total}"


def in_bbox(lat: float, lon: float, code: str, margin=0.5) -> bool:
    lat_min, lat_max, lon_min, lon_max = COUNTRIES[code][2]
    return (
        lat_min - margin <= lat <= lat_max + margin and lon_min - margin <= lon <= lon_max + margin
    )


def validate(orgs: list[dict], projects: list[dict]) -> dict:
    """Check every contract rule; raise AssertionError on the first violation. Return summary stats."""
    try:
        import pycountry  # optional: only used to double-check this script's own output
    except ImportError:
        pycountry = None
    sector_list = load_codelist("Sector.xml")
    sectors_csv = HERE / "reference" / "sectors.csv"
    if sector_list is None and sectors_csv.is_file():  # the registry's own copy of the same list
        with sectors_csv.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        sector_list = (
            {r["code"] for r in rows if r["status"] == "active"},
            {r["code"] for r in rows if r["status"] != "active"},
        )
    country_list = load_codelist("Country.xml")
    currency_list = load_codelist("Currency.xml")
    orgtype_list = load_codelist("OrganisationType.xml")
    active_sectors = sector_list[0] if sector_list else USED_SECTOR_CODES

    def valid_country(code: str) -> bool:
        if not re.fullmatch(r"[A-Z]{2}", code):
            return False
        if pycountry is not None and pycountry.countries.get(alpha_2=code) is None:
            return False
        return not (country_list is not None and code not in country_list[0])

    def valid_currency(code: str) -> bool:
        if not re.fullmatch(r"[A-Z]{3}", code) or code not in USD_RATES:
            return False
        if pycountry is not None and pycountry.currencies.get(alpha_3=code) is None:
            return False
        return not (currency_list is not None and code not in currency_list[0])

    # organisations
    assert 6 <= len(orgs) <= 8, "need 6-8 organisations"
    refs = [o["ref"] for o in orgs]
    assert len(set(refs)) == len(refs), "duplicate organisation ref"
    for o in orgs:
        assert set(o) == {"ref", "name", "country", "type"}, o
        assert re.fullmatch(r"[A-Z]{2}-(GOV-\d+|[A-Z]+)", o["ref"]), o["ref"]
        assert o["ref"][:2] == o["country"] and valid_country(o["country"]), o
        assert o["type"] in {"10", "15"}, o
        assert orgtype_list is None or o["type"] in orgtype_list[0], o
        assert "(demo)" in o["name"], o

    assert len(projects) >= 320, f"only {len(projects)} projects"
    identifiers = set()
    stats = {
        k: Counter()
        for k in (
            "status",
            "country",
            "region",
            "group",
            "tech",
            "maritime",
            "export",
            "instrument",
            "currency",
            "org",
            "flag",
            "hr_form",
            "role",
        )
    }
    years = set()
    flagged = 0
    subdivisions_checked = 0
    for p in projects:
        ident = p.get("identifier", "?")
        where = f"project {ident}"
        assert set(p) == {"reporting_org", *RECORD_FIELDS}, f"{where}: keys {sorted(p)}"
        assert p["reporting_org"] in refs, where
        stats["org"][p["reporting_org"]] += 1
        # identifier
        assert isinstance(ident, str) and 1 <= len(ident) <= 100 and ident == ident.strip(), where
        assert not set(ident) & set("/&|?"), where
        assert ident.startswith(p["reporting_org"] + "-"), where
        assert ident not in identifiers, f"duplicate identifier {ident}"
        identifiers.add(ident)
        # text
        assert (
            isinstance(p["title"], str)
            and 3 <= len(p["title"]) <= 300
            and p["title"] == p["title"].strip()
        ), where
        assert isinstance(p["description"], str) and len(p["description"]) <= 20000, where
        assert p["status"] in STATUSES, where
        stats["status"][p["status"]] += 1
        # recipient countries
        rc = p["recipient_countries"]
        assert isinstance(rc, list) and rc, f"{where}: no recipient country"
        codes = [c["code"] for c in rc]
        assert len(set(codes)) == len(codes), f"{where}: duplicate recipient"
        for c in rc:
            assert (
                set(c) <= {"code", "percentage"}
                and valid_country(c["code"])
                and c["code"] in COUNTRIES
            ), where
            stats["country"][c["code"]] += 1
        check_percentages(rc, f"{where} recipient_countries")
        for region in sorted({COUNTRIES[c][1] for c in codes}):
            stats["region"][region] += 1
        # sectors
        sec = p["sectors"]
        assert isinstance(sec, list) and sec, f"{where}: no sector"
        assert len({s["code"] for s in sec}) == len(sec), f"{where}: duplicate sector"
        for s in sec:
            assert set(s) <= {"code", "percentage"} and re.fullmatch(r"\d{5}", s["code"]), where
            assert s["code"] in active_sectors, f"{where}: sector {s['code']} not active"
            assert sector_list is None or s["code"] not in sector_list[1], (
                f"{where}: {s['code']} withdrawn"
            )
            assert sector_group(s["code"]) != "other", where
        check_percentages(sec, f"{where} sectors")
        for g in sorted({sector_group(s["code"]) for s in sec}):
            stats["group"][g] += 1
        # dates
        d = p["dates"]
        assert isinstance(d, dict) and set(d) <= set(DATE_KEYS), where
        assert "planned_start" in d or "actual_start" in d, f"{where}: no start date"
        parsed = {}
        for k, v in d.items():
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", v), f"{where}: {k}={v}"
            parsed[k] = dt.date.fromisoformat(v)
            assert FIRST_DATE <= parsed[k] <= LAST_DATE, f"{where}: {k}={v} outside 2015-2031"
            years.add(parsed[k].year)
        for a, b in (("planned_start", "planned_end"), ("actual_start", "actual_end")):
            if a in parsed and b in parsed:
                assert parsed[b] >= parsed[a], f"{where}: {b} before {a}"
        assert "actual_end" not in parsed or "actual_start" in parsed, (
            f"{where}: actual_end without start"
        )
        for k in ("actual_start", "actual_end"):
            assert k not in parsed or parsed[k] <= TODAY, f"{where}: {k} in the future"
        status = p["status"]
        if status == "pipeline":
            assert not {"actual_start", "actual_end"} & set(d), (
                f"{where}: pipeline with actual dates"
            )
        if status in ("implementation", "suspended"):
            assert "actual_start" in d and "actual_end" not in d, f"{where}: {status} dates"
        if status in ("finalisation", "closed"):
            assert "actual_start" in d, f"{where}: {status} without actual_start"
        if status == "closed":
            assert "actual_end" in d, f"{where}: closed without actual_end"
        # finance
        f = p["finance"]
        assert set(f) == {"amount", "currency", "instrument"}, where
        assert re.fullmatch(r"\d+(\.\d{1,2})?", f["amount"]), f"{where}: amount {f['amount']}"
        assert Decimal(f["amount"]) >= 0, where
        assert valid_currency(f["currency"]), f"{where}: currency {f['currency']}"
        if f["currency"] in ZERO_DECIMAL_CURRENCIES:
            assert "." not in f["amount"], f"{where}: fractional {f['currency']}"
        assert f["instrument"] in INSTRUMENTS, where
        stats["instrument"][f["instrument"]] += 1
        stats["currency"][f["currency"]] += 1
        # participants
        assert isinstance(p["participants"], list) and p["participants"], (
            f"{where}: no participants"
        )
        for x in p["participants"]:
            assert set(x) <= {"name", "role", "country", "state_owned", "stake_percentage"}, where
            assert {"name", "role", "country", "state_owned"} <= set(x), where
            assert isinstance(x["name"], str) and x["name"].strip() == x["name"] and x["name"], (
                where
            )
            assert x["role"] in ROLES and valid_country(x["country"]), f"{where}: {x}"
            assert isinstance(x["state_owned"], bool), where
            if "stake_percentage" in x:
                sp = x["stake_percentage"]
                assert re.fullmatch(r"\d{1,3}(\.\d{1,2})?", sp) and 0 <= Decimal(sp) <= 100, (
                    f"{where}: stake {sp}"
                )
            stats["role"][x["role"]] += 1
        # technologies
        for t in p["technologies"]:
            assert (
                set(t) <= {"category", "vendor", "vendor_country"}
                and t["category"] in TECH_CATEGORIES
            ), where
            assert isinstance(t.get("vendor", ""), str), where
            assert "vendor_country" not in t or valid_country(t["vendor_country"]), where
            stats["tech"][t["category"]] += 1
            if t.get("vendor") in HIGH_RISK_NAMES:
                stats["hr_form"][t["vendor"]] += 1
        for x in p["participants"]:
            if x["name"] in HIGH_RISK_NAMES:
                stats["hr_form"][x["name"]] += 1
        # maritime and export
        m = p["maritime_activities"]
        assert isinstance(m, list) and len(set(m)) == len(m) and set(m) <= set(MARITIME), where
        stats["maritime"].update(m)
        e = p["export_control_categories"]
        assert isinstance(e, list) and len(set(e)) == len(e) and set(e) <= set(EXPORT_CATEGORIES), (
            where
        )
        stats["export"].update(e)
        # locations
        for loc in p["locations"]:
            assert set(loc) <= {"name", "latitude", "longitude", "subdivision"} and loc["name"], (
                where
            )
            assert re.fullmatch(r"-?\d{1,3}\.\d{1,6}", loc["latitude"]), where
            assert re.fullmatch(r"-?\d{1,3}\.\d{1,6}", loc["longitude"]), where
            lat, lon = float(loc["latitude"]), float(loc["longitude"])
            assert -90 <= lat <= 90 and -180 <= lon <= 180, where
            if "subdivision" in loc:
                sub = loc["subdivision"]
                owner = sub.split("-")[0]
                assert owner in codes, f"{where}: subdivision {sub} not in a recipient country"
                assert in_bbox(lat, lon, owner), f"{where}: {loc} outside {owner}"
                if pycountry is not None:
                    entry = pycountry.subdivisions.get(code=sub)
                    assert entry is not None and entry.country_code == owner, (
                        f"{where}: unknown subdivision {sub}"
                    )
                    subdivisions_checked += 1
            else:
                assert any(in_bbox(lat, lon, c) for c in codes), (
                    f"{where}: {loc} outside recipients"
                )
        # tags
        tags = p["tags"]
        assert isinstance(tags, list) and len(tags) <= 20, where
        assert all(isinstance(t, str) and 1 <= len(t) <= 50 for t in tags), where
        # flags
        flags = project_flags(p)
        stats["flag"].update(flags)
        flagged += bool(flags)

    # curated data itself
    for code, sites in SITES.items():
        for name, lat, lon, sub, _ in sites:
            assert in_bbox(lat, lon, code, margin=0.1), f"site {name} outside {code}"
            assert sub.startswith(code + "-"), f"site {name}: {sub}"
            if pycountry is not None:
                assert pycountry.subdivisions.get(code=sub) is not None, (
                    f"site {name}: unknown {sub}"
                )

    # coverage
    assert len(stats["country"]) >= 45, f"only {len(stats['country'])} recipient countries"
    assert set(stats["country"]) == set(COUNTRIES), set(COUNTRIES) - set(stats["country"])
    assert set(stats["region"]) >= {"SEA", "SAS", "AF", "PAC", "LAT", "EUR", "ME"}, stats["region"]
    assert set(stats["status"]) == set(STATUSES), stats["status"]
    assert set(stats["group"]) == {"transport", "ports", "energy", "telecoms", "water"}, stats[
        "group"
    ]
    assert set(stats["tech"]) == set(TECH_CATEGORIES), set(TECH_CATEGORIES) - set(stats["tech"])
    assert set(stats["maritime"]) == set(MARITIME), set(MARITIME) - set(stats["maritime"])
    assert set(stats["export"]) == set(EXPORT_CATEGORIES), set(EXPORT_CATEGORIES) - set(
        stats["export"]
    )
    assert set(stats["hr_form"]) == set(HIGH_RISK_NAMES), set(HIGH_RISK_NAMES) - set(
        stats["hr_form"]
    )
    assert set(stats["instrument"]) == set(INSTRUMENTS), stats["instrument"]
    assert min(years) == FIRST_DATE.year and max(years) == LAST_DATE.year, (min(years), max(years))
    for flag in (
        "high_risk_telecom",
        "high_risk_surveillance",
        "high_risk_drone",
        "undersea_cable",
        "maritime_survey",
        "offshore_wind",
        "foreign_state_owned",
        "dual_use",
        "incomplete_disclosure",
    ):
        assert stats["flag"][flag] >= 3, f"too few {flag}: {stats['flag'][flag]}"
    share = flagged / len(projects)
    assert 0.15 <= share <= 0.25, f"flagged share {share:.2%}"
    for name, _, _ in DECOYS:
        assert not high_risk_match(name), f"decoy {name} matches a high-risk vendor"
    for name in HIGH_RISK_NAMES:
        assert high_risk_match(name), f"{name} not matched"
    all_names = {x["name"] for p in projects for x in p["participants"]} | {
        t.get("vendor", "") for p in projects for t in p["technologies"]
    }
    decoys_used = sorted(n for n, _, _ in DECOYS if n in all_names)
    assert len(decoys_used) >= 3, decoys_used
    titles = {p["title"] for p in projects}
    assert "<script>alert(1)</script> Harbour Lighting Upgrade" in titles
    assert any(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", p["title"]) for p in projects)
    return {
        "stats": stats,
        "flagged": flagged,
        "years": (min(years), max(years)),
        "decoys": decoys_used,
        "pycountry": pycountry is not None,
        "sector_xml": sector_list is not None,
        "subdivisions_checked": subdivisions_checked,
        "projects": len(projects),
        "orgs": len(orgs),
    }


def print_summary(s: dict) -> None:
    st = s["stats"]

    def line(label, counter):
        print(
            f"  {label}: "
            + ", ".join(
                f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
            )
        )

    print(
        f"{s['orgs']} organisations, {s['projects']} projects; dates span {s['years'][0]}–{s['years'][1]}"
    )
    print(
        f"checks: Sector.xml {'used' if s['sector_xml'] else 'NOT FOUND (built-in list)'}; "
        f"pycountry {'used' if s['pycountry'] else 'not installed (skipped)'}"
        f" ({s['subdivisions_checked']} location subdivisions verified)"
    )
    line("by organisation", st["org"])
    line("by status", st["status"])
    line("by sector group", st["group"])
    line("by region", st["region"])
    print(f"  recipient countries: {len(st['country'])} — " + " ".join(sorted(st["country"])))
    line("instruments", st["instrument"])
    line("currencies", st["currency"])
    line("technology categories", st["tech"])
    line("maritime activities", st["maritime"])
    line("export-control categories", st["export"])
    line("high-risk vendor spellings", st["hr_form"])
    print(f"  flagged projects: {s['flagged']} ({s['flagged'] / s['projects']:.1%})")
    line("flag reasons", st["flag"])
    print(f"  decoy names present (must not match): {', '.join(s['decoys'])}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=HERE / "demo", help="output directory (default: seed/demo)"
    )
    args = parser.parse_args(argv)
    projects = Generator().run()
    orgs = sorted(ORGANISATIONS, key=lambda o: o["ref"])
    dump(args.out / "organisations.json", orgs)
    dump(args.out / "projects.json", projects)
    # validate what is on disk, not what is in memory
    orgs_read = json.loads((args.out / "organisations.json").read_text(encoding="utf-8"))
    projects_read = json.loads((args.out / "projects.json").read_text(encoding="utf-8"))
    summary = validate(orgs_read, projects_read)
    print(f"wrote {args.out / 'organisations.json'} and {args.out / 'projects.json'}")
    print_summary(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
