"""Comment analysis where one answer is read: its own page shows the themes its comment
names (the words highlighted) and its sentiment, and the explorer's exports carry them as
columns, scoped like every other column."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client

from tests.conftest import answer
from touchpoint.analysis import sweep
from touchpoint.analysis.hooks import request_analysis
from touchpoint.analysis.starter import do_create_starter_taxonomy

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)


@pytest.fixture
def themed(brand):
    do_create_starter_taxonomy(brand.account)
    return brand


def analyse_all() -> None:
    while sweep.analyse_pending(now=NOW):
        pass


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def exported(client: Client) -> dict[int, dict]:
    response = client.get("/responses/export.csv")
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {int(row["response_id"]): row for row in csv.DictReader(io.StringIO(text))}


def test_an_answers_page_shows_its_themes_with_the_words_highlighted_and_its_sentiment(
    themed, people
):
    mixed = answer(themed, themed.store, 6, "Friendly staff but the queue took forever", n=1)
    analyse_all()
    page = signed_in(people["north_manager"]).get(f"/responses/{mixed.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "What the comment says" in html
    assert "<mark>staff</mark>" in html and "<mark>queue</mark>" in html
    assert 'href="/responses/?theme=staff&amp;comment=1">Staff</a>' in html
    staff, queue = html.index(">Staff</a>"), html.index(">Waiting</a>")
    assert "feeling-positive" in html[staff:queue] and "feeling-negative" in html[queue:]
    assert "score " in html and "on a scale from \u22121 to +1" in html


def test_a_comments_markup_is_shown_on_its_page_not_run(themed, people):
    sneaky = answer(themed, themed.store, 2, "<script>alert(1)</script> the queue!", n=2)
    analyse_all()
    html = signed_in(people["north_manager"]).get(f"/responses/{sneaky.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<mark>queue</mark>" in html


def test_an_answer_not_yet_analysed_says_so(themed, people):
    waiting = answer(themed, themed.store, 3, "Nobody at the till", n=3)
    request_analysis([waiting.pk])
    html = signed_in(people["north_manager"]).get(f"/responses/{waiting.pk}/").content.decode()
    assert "Not analysed yet" in html and "Nobody at the till" in html


def test_an_answer_without_a_comment_has_no_analysis_section(themed, people):
    silent = answer(themed, themed.store, 9, "", n=4)
    analyse_all()
    html = signed_in(people["north_manager"]).get(f"/responses/{silent.pk}/").content.decode()
    assert "What the comment says" not in html and "No comment." in html


def test_exports_carry_sentiment_and_themes_for_ones_own_answers_only(themed, people):
    north = answer(themed, themed.store, 6, "Friendly staff but the queue took forever", n=5)
    south = answer(themed, themed.other_store, 2, "Charged twice on my bill", n=6)
    silent = answer(themed, themed.store, 10, "", n=7)
    analyse_all()
    rows = exported(signed_in(people["north_manager"]))
    assert set(rows) == {north.pk, silent.pk}  # South's answer stays out of North's export
    assert rows[north.pk]["themes"] == "staff (positive); waiting (negative)"
    assert rows[north.pk]["sentiment"] in {"negative", "neutral", "positive"}
    assert -1 <= float(rows[north.pk]["sentiment_score"]) <= 1
    assert (rows[silent.pk]["sentiment"], rows[silent.pk]["themes"]) == ("", "")
    admin_rows = exported(signed_in(people["brand_admin"]))
    assert admin_rows[south.pk]["themes"] == "billing (negative)"
    assert admin_rows[south.pk]["sentiment"] == "negative"


def test_the_spreadsheet_export_has_the_same_columns_and_numbers_stay_numbers(themed, people):
    north = answer(themed, themed.store, 6, "Friendly staff but the queue took forever", n=8)
    analyse_all()
    xlsx = signed_in(people["north_manager"]).get("/responses/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    header = [c.value for c in sheet[1]]
    assert header[-3:] == ["sentiment", "sentiment_score", "themes"]
    [row] = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == north.pk]
    assert row[-1] == "staff (positive); waiting (negative)"
    assert isinstance(row[-2], float)


def test_answers_waiting_for_their_analysis_export_blank_cells(themed, people):
    answer(themed, themed.store, 3, "Nobody at the till", n=9)
    rows = exported(signed_in(people["north_manager"]))
    [row] = rows.values()
    assert (row["sentiment"], row["sentiment_score"], row["themes"]) == ("", "", "")
