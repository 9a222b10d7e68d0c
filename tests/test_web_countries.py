"""The country pages through the test client: canonical addresses, the unknown-code page,
links to the list and the export, the committed-amount chart (checked against shares
computed here), a country without projects, and the /countries filters, in both languages."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from registry import names
from registry.services import accounts, projects
from registry.shares import allocate, shares_bp
from tests.conftest import valid_project

PASSWORD = "correct-horse-battery"
COMMITTED = ("implementation", "finalisation", "closed", "suspended")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def client_of(client, app):
    """A client signed in as a diplomat."""
    user = accounts.user_create("diplomat@example.org", "diplomat", PASSWORD)
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    return client


def _project(ministry, number: int, **fields):
    record = valid_project(identifier=f"JP-C-{number}", title=f"Project {number}", **fields)
    return projects.project_create(record, ministry)


def _money(amount: str, currency: str) -> dict:
    return {"amount": amount, "currency": currency, "instrument": "loan"}


def _dates(year: int) -> dict:
    return {"planned_start": f"{year}-04-01", "planned_end": f"{year + 3}-03-31"}


# Records whose committed shares the chart must add up: uneven percentages, odd cents,
# several countries and sectors, two currencies, and projects it must leave out.
RECORDS = [
    dict(
        status="implementation",
        recipient_countries=[{"code": "VN", "percentage": 60}, {"code": "KE", "percentage": 40}],
        sectors=[{"code": "21040", "percentage": 70}, {"code": "22020", "percentage": 30}],
        finance=_money("1000000.01", "USD"),
        dates=_dates(2021),
    ),
    dict(
        status="closed",
        sectors=[{"code": "21020"}],
        finance=_money("333.33", "USD"),
        dates=_dates(2021),
    ),
    dict(
        status="finalisation",
        recipient_countries=[{"code": "VN"}, {"code": "TH"}, {"code": "LA"}],
        sectors=[{"code": "21040"}, {"code": "23230"}, {"code": "22020"}],
        finance=_money("100.00", "USD"),
        dates=_dates(2023),
    ),
    dict(
        status="suspended",
        sectors=[{"code": "22020"}],
        finance=_money("500000000", "JPY"),
        dates=_dates(2021),
    ),
    dict(
        status="implementation",
        sectors=[{"code": "22020"}, {"code": "21040"}],
        finance=_money("7777", "JPY"),
        dates=_dates(2024),
    ),
    # Not committed: in the pipeline, cancelled; not in Viet Nam.
    dict(status="pipeline", finance=_money("999.00", "USD"), dates=_dates(2021)),
    dict(status="cancelled", finance=_money("999.00", "USD"), dates=_dates(2021)),
    dict(
        status="implementation",
        recipient_countries=[{"code": "KE"}],
        locations=[],
        participants=[],
        finance=_money("5.00", "USD"),
        dates=_dates(2021),
    ),
]


@pytest.fixture
def data(ministry):
    made = [_project(ministry, i, **record) for i, record in enumerate(RECORDS)]
    # A committed project, withdrawn: left out everywhere.
    gone = _project(ministry, 99, finance=_money("123.45", "USD"), dates=_dates(2021))
    projects.project_withdraw(gone.id, ministry, expected_version=1)
    return made


def expected_cells(alpha2: str = "VN") -> dict[tuple[str, str, int], dict]:
    """(currency, DAC category, start year) → committed cents and project numbers, split
    here from the records themselves by the largest-remainder rule (`registry.shares.allocate`)
    in the currency's smallest unit."""
    cells: dict = defaultdict(lambda: {"cents": 0, "projects": set()})
    for number, record in enumerate(RECORDS):
        full = valid_project(**record)
        if full["status"] not in COMMITTED:
            continue
        countries = full["recipient_countries"]
        codes = [c["code"] for c in countries]
        if alpha2 not in codes:
            continue
        # Split in the currency's smallest unit: whole yen, cents of a dollar.
        currency = full["finance"]["currency"]
        step = 100 if currency == "JPY" else 1
        units = int(Decimal(full["finance"]["amount"]) * 100) // step
        country_units = allocate(units, shares_bp(countries))[codes.index(alpha2)]
        sectors = full["sectors"]
        year = int(full["dates"]["planned_start"][:4])
        for sector, part in zip(sectors, allocate(country_units, shares_bp(sectors)), strict=True):
            cell = cells[(currency, sector["code"][:3], year)]
            cell["cents"] += part * step
            cell["projects"].add(number)
    return dict(cells)


class Bars(HTMLParser):
    """The chart's links: each `a.bar` with its currency, data attributes and href."""

    def __init__(self):
        super().__init__()
        self.currency = None
        self.bars: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure" and "committed" in (attrs.get("class") or ""):
            self.currency = attrs["data-currency"]
        if tag == "a" and "bar" in (attrs.get("class") or "").split():
            self.bars.append({**attrs, "currency": self.currency})


def bars_of(html: str) -> list[dict]:
    parser = Bars()
    parser.feed(html)
    return parser.bars


def results_total(html: str) -> int:
    heading = re.search(r'id="results-heading">([^<]*)<', html).group(1)
    return int(re.sub(r"\D", "", heading))


def text_of(html: str) -> str:
    """The main part's text and attribute-free words: what a reader sees or hears."""
    main = html.split('<main id="main">', 1)[1]
    titles = " ".join(re.findall(r'(?:title|aria-label)="([^"]*)"', main))
    return re.sub(r"<[^>]+>", " ", main) + " " + titles


# ---- canonical addresses


@pytest.mark.parametrize(
    ("code", "query", "target"),
    [
        ("VNM", "", "/countries/VN"),
        ("vnm", "", "/countries/VN"),
        ("704", "", "/countries/VN"),
        ("vn", "", "/countries/VN"),
        ("Vn", "?lang=ja", "/countries/VN?lang=ja"),
        ("4", "", "/countries/AF"),
        ("004", "", "/countries/AF"),
    ],
)
def test_other_codes_redirect_to_the_alpha2_page(client_of, code, query, target):
    response = client_of.get(f"/countries/{code}{query}")
    assert response.status_code in (301, 308), response.status_code
    assert response.headers["Location"] == target


def test_the_canonical_page_does_not_redirect(client_of, data):
    response = client_of.get("/countries/VN")
    assert response.status_code == 200
    assert "<h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize("code", ["ZZ", "XYZ", "999", "V", "VNMM", "🇻🇳", "x" * 3000, "%00"])
def test_unknown_code_is_a_helpful_404(client_of, code):
    response = client_of.get(f"/countries/{code}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "is not a country code" in html
    assert "two letters (VN), three letters (VNM) or three digits (704)" in html
    assert 'href="/countries?all=1"' in html  # somewhere to go next
    assert len(html) < 20_000  # a long code is not repeated in full
    if code == "ZZ":
        assert "“ZZ”" in html


def test_unknown_code_page_in_japanese(client_of):
    html = client_of.get("/countries/ZZ?lang=ja").get_data(as_text=True)
    assert '<html lang="ja">' in html
    assert "「ZZ」は国コードではありません。" in html and "英字2文字（VN）" in html
    assert "is not a country code" not in html and "Use an ISO" not in html


# ---- links and the chart


def test_country_page_links_to_its_projects_and_their_export(client_of, data):
    html = client_of.get("/countries/VN").get_data(as_text=True)
    listed = re.search(r'<a class="button" href="([^"]+)" data-link="list">([^<]+)</a>', html)
    exported = re.search(r'<a class="button secondary" href="([^"]+)" data-link="export">', html)
    assert listed and exported
    assert listed.group(1) == "/projects?country=VN"
    assert exported.group(1) == "/exports?country=VN"
    in_vn = sum(1 for r in RECORDS if "VN" in str(valid_project(**r)["recipient_countries"]))
    assert f"See its {in_vn} projects in the list" in listed.group(2)
    assert results_total(client_of.get(listed.group(1)).get_data(as_text=True)) == in_vn
    export = client_of.get(exported.group(1))
    assert export.status_code == 200, export.status_code


def test_chart_amounts_are_the_committed_shares_by_sector_year_and_currency(client_of, data):
    html = client_of.get("/countries/VN").get_data(as_text=True)
    bars = bars_of(html)
    assert bars
    expected = expected_cells()
    # Every cell: a year bar, or the sector's own bar when the sector has one year only.
    by_sector = defaultdict(list)
    for (currency, category, year), cell in expected.items():
        by_sector[(currency, category)].append((year, cell))
    for (currency, category), years in by_sector.items():
        mine = [b for b in bars if b["currency"] == currency and b["data-category"] == category]
        total = sum(cell["cents"] for _, cell in years)
        sector_bar = mine[0]
        assert Decimal(sector_bar["data-amount"]) == Decimal(total).scaleb(-2)
        assert int(sector_bar["data-count"]) == len(set().union(*(c["projects"] for _, c in years)))
        for year, cell in years:
            found = [b for b in mine if b.get("data-year") == str(year)]
            assert len(found) == 1, (currency, category, year, mine)
            assert Decimal(found[0]["data-amount"]) == Decimal(cell["cents"]).scaleb(-2)
            assert int(found[0]["data-count"]) == len(cell["projects"])
    # Nothing else is drawn: no pipeline, cancelled, withdrawn or other country's money.
    drawn = {(b["currency"], b["data-category"]) for b in bars}
    assert drawn == set(by_sector)
    # One chart per currency held, never a sum across currencies; each total matches the
    # country's committed total in that currency.
    assert re.findall(r'<figure class="committed" data-currency="([A-Z]{3})"', html) == [
        "JPY",
        "USD",
    ]
    for currency in ("JPY", "USD"):
        cents = sum(c["cents"] for (cur, _, _), c in expected.items() if cur == currency)
        block = html.split(f'data-currency="{currency}"', 1)[1].split("</figcaption>", 1)[0]
        total = re.search(r"Total committed: ([^<·]+)", block).group(1).strip()
        digits = re.sub(r"[^\d]", "", total)
        assert int(digits) == (cents // 100 if currency == "JPY" else cents), (currency, total)


def test_chart_bars_open_the_filtered_list_with_the_count_they_state(client_of, data):
    html = client_of.get("/countries/VN").get_data(as_text=True)
    bars = bars_of(html)
    assert len(bars) >= 6
    for bar in bars:
        href = bar["href"].replace("&amp;", "&")
        query = parse_qs(urlsplit(href).query)
        assert urlsplit(href).path == "/projects"
        assert query["country"] == ["VN"] and query["sector"] == [bar["data-category"]]
        assert sorted(query["status"]) == sorted(COMMITTED)
        listed = client_of.get(href)
        assert listed.status_code == 200, href
        assert results_total(listed.get_data(as_text=True)) == int(bar["data-list-count"]), href
        assert int(bar["data-list-count"]) >= int(bar["data-count"])


def test_chart_labels_are_legible_and_named(client_of, data):
    html = client_of.get("/countries/VN").get_data(as_text=True)
    assert "Committed amounts by sector and start year" in html
    labels = [unescape(x).strip() for x in re.findall(r'<span class="bar-label">([^<]+)', html)]
    assert f"{names.sector_category_name('210', 'en')}" in labels
    assert "US Dollar (USD)" in html and "Yen (JPY)" in html
    # No text drawn inside the SVG (it would shrink with the chart on a phone).
    for svg in re.findall(r"<svg.*?</svg>", html, re.S):
        assert "<text" not in svg
    response = client_of.get("/static/css/country.css")
    css = response.get_data(as_text=True)
    response.close()
    assert "@media (max-width: 640px)" in css


def test_country_with_projects_but_none_committed(client_of, ministry):
    _project(
        ministry,
        1,
        status="pipeline",
        recipient_countries=[{"code": "LA"}],
        locations=[],
        participants=[],
    )
    html = client_of.get("/countries/LA").get_data(as_text=True)
    assert "None of this country’s projects is committed yet." in unescape(html).replace("'", "’")
    assert '<figure class="committed"' not in html
    assert re.search(r"<li>Pipeline/identification: 1</li>", html)


# ---- a country without projects


def test_country_without_projects_says_so(client_of, data):
    html = client_of.get("/countries/FR").get_data(as_text=True)
    assert "No projects yet in this country." in html
    assert "By status" not in html
    assert "Committed amounts by sector" not in html
    assert 'data-link="list"' not in html and 'data-link="export"' not in html
    assert "France" in html
    ja = client_of.get("/countries/FR?lang=ja").get_data(as_text=True)
    assert "この国・地域の案件はまだありません。" in ja and "状況別" not in ja


# ---- /countries


def _listed_codes(html: str) -> list[str]:
    return re.findall(r'<tr data-country="([A-Z]{2})">', html)


def test_countries_hide_those_without_projects_unless_asked(client_of, data):
    html = client_of.get("/countries").get_data(as_text=True)
    listed = _listed_codes(html)
    assert set(listed) == {"VN", "KE", "TH", "LA"}
    assert listed[0] == "VN"  # most projects first
    assert "4 countries with projects" in html
    assert 'href="/countries?all=1"' in html
    everything = client_of.get("/countries?all=1").get_data(as_text=True)
    assert len(_listed_codes(everything)) == 249 and "FR" in _listed_codes(everything)
    assert re.search(r'name="all" value="1" checked', everything)
    assert "249 countries" in everything


def test_countries_filter_by_region_at_any_level(client_of, data):
    south_east = _listed_codes(client_of.get("/countries?region=035").get_data(as_text=True))
    assert set(south_east) == {"VN", "TH", "LA"}
    africa = _listed_codes(client_of.get("/countries?region=2").get_data(as_text=True))
    assert africa == ["KE"]  # "2" is Africa's M49 code 002
    europe = client_of.get("/countries?region=150").get_data(as_text=True)
    assert _listed_codes(europe) == [] and "No country matches these filters." in europe
    assert "FR" in _listed_codes(client_of.get("/countries?region=150&all=1").get_data(True))
    html = client_of.get("/countries?region=035").get_data(as_text=True)
    assert '<option value="035" selected>' in html
    for code in ("002", "019", "142", "150", "009"):
        assert f'<option value="{code}"' in html


def test_countries_filter_by_name_in_either_language(client_of, data):
    assert _listed_codes(client_of.get("/countries?q=viet").get_data(as_text=True)) == ["VN"]
    assert _listed_codes(client_of.get("/countries?q=VNM").get_data(as_text=True)) == ["VN"]
    assert _listed_codes(client_of.get("/countries?q=lao").get_data(as_text=True)) == ["LA"]
    ja = client_of.get("/countries?q=ベトナム&lang=ja").get_data(as_text=True)
    assert _listed_codes(ja) == ["VN"]
    accents = client_of.get("/countries?q=cote&all=1").get_data(as_text=True)
    assert _listed_codes(accents) == ["CI"]


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("region=999", "Region", "is not a UN M49 region code"),
        ("region=asia", "Region", "choose a region from the list"),
        ("q=" + "x" * 101, "Name or code", "At most 100 characters"),
    ],
)
def test_countries_bad_filters_are_named_and_left_out(client_of, data, query, field, words):
    response = client_of.get(f"/countries?{query}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"<strong>{field}</strong>" in html and words in html
    assert set(_listed_codes(html)) == {"VN", "KE", "TH", "LA"}  # the rest still works


# ---- Japanese


def test_country_pages_in_japanese(client_of, data):
    html = client_of.get("/countries/VN?lang=ja").get_data(as_text=True)
    assert '<html lang="ja">' in html and "ベトナム" in html
    assert "分野別・開始年別の約束額" in html and "約束額合計" in html
    assert "案件一覧でこの" in html and "この国・地域の案件をエクスポート" in html
    main = text_of(html)
    for english in ("Committed", "Total committed", "projects", "Opens the list", "See its"):
        assert english not in main, english
    labels = re.findall(r'<span class="bar-label">([^<]+)', html)
    assert labels and all(JAPANESE.search(label) or label.strip().isdigit() for label in labels)
    listing = client_of.get("/countries?lang=ja").get_data(as_text=True)
    assert "東南アジア" in listing and "すべての地域" in listing
    assert "案件のない国・地域も含めてすべて表示" in listing
    assert "案件のある国・地域：4" in listing
    main = text_of(listing)
    for english in ("Region", "Show all", "countries with projects", "Filter", "Committed"):
        assert english not in main, english
