"""`touchpoint import-delighted`: Delighted's CSV exports of responses and people."""

from __future__ import annotations

import base64
import csv
import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tests.conftest import fold_rollups
from touchpoint.contacts.models import Contact
from touchpoint.delighted.models import ResponseExtra
from touchpoint.reports.models import Rollup, RollupDelta
from touchpoint.responses.models import Response

HEADER = (
    "Response ID,Score,Comment,Response Timestamp,Person ID,Name,Email,Phone Number,"
    "Notes,Tags,Delighted Source,Plan,Country\n"
)
ROWS = [
    '1001,10,"Loved the new app, fast delivery",2026-03-14 09:30:00 UTC,501,Ana Lima,'
    'ana@example.com,+33612345678,"Called back\nSent a voucher","praise, delivery",Email,pro,FR\n',
    "1002,6,Too slow,2026-06-02T18:05:00-04:00,502,Ben Okafor,ben@example.com,,,,Email,free,US\n",
    "1003,8,,1767225600,503,,,+447700900123,,,SMS,pro,GB\n",  # 2026-01-01 00:00 UTC
]


def write(tmp_path, text: str, name: str = "export.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def run(path, *args):
    call_command("import-delighted", path, "--no-progress", *args, stdout=open("/dev/null", "w"))  # noqa: SIM115


def day_count(brand, day: dt.date) -> list[int]:
    fold_rollups()
    rows = Rollup.objects.filter(unit=brand.brand, grain="day", period=day)
    return [sum(values) for values in zip(*(r.histogram for r in rows), strict=True)] or [0] * 11


def test_responses_land_in_reports_on_their_original_dates(brand, tmp_path):
    run(write(tmp_path, HEADER + "".join(ROWS)))
    assert Response.objects.count() == 3
    # Paris time zone: 09:30 UTC on 14 March; 18:05 New York on 2 June is 00:05 on 3 June.
    assert day_count(brand, dt.date(2026, 3, 14))[10] == 1
    assert day_count(brand, dt.date(2026, 6, 3))[6] == 1
    assert day_count(brand, dt.date(2026, 1, 1))[8] == 1

    ana = Response.objects.get(contact__email="ana@example.com")
    assert ana.comment == "Loved the new app, fast delivery"
    assert ana.answered_at == dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)
    assert ana.interaction.properties == {
        "Delighted Source": "Email",
        "Plan": "pro",
        "Country": "FR",
    }
    extra = ResponseExtra.objects.get(response=ana)
    assert (extra.delighted_id, extra.tags) == ("1001", ["praise", "delivery"])
    assert [n["text"] for n in extra.notes] == ["Called back", "Sent a voucher"]
    contact = Contact.objects.get(email="ana@example.com")
    assert (contact.name, contact.phone) == ("Ana Lima", "+33612345678")
    # The quarantine counts from the Delighted survey.
    assert contact.last_invited_at == ana.answered_at

    # And the Delighted API shows them as Delighted did.
    token = base64.b64encode(f"{brand.api_key}:".encode()).decode()
    api = Client(headers={"Authorization": f"Basic {token}"})
    listed = api.get("/delighted/v1/survey_responses.json", {"expand[]": "notes"}).json()
    first = listed[0]
    assert first["score"] == 8 and first["created_at"] == 1767225600
    ana_out = next(r for r in listed if r["score"] == 10)
    assert ana_out["tags"] == ["praise", "delivery"]
    assert [n["text"] for n in ana_out["notes"]] == ["Called back", "Sent a voucher"]


def test_a_file_with_errors_imports_nothing_and_reports_each_row(brand, tmp_path):
    bad = [
        "2001,11,Out of range,2026-03-01 10:00:00 UTC,601,,a@example.com,,,,Email,,\n",
        "2002,9,,yesterday,602,,b@example.com,,,,Email,,\n",
        "2003,9,,2026-03-01 10:00:00 UTC,,,,,,,Email,,\n",
        "1001,9,,2026-03-01 10:00:00 UTC,603,,c@example.com,,,,Email,,\n",  # repeats line 2
    ]
    path = write(tmp_path, HEADER + "".join(ROWS) + "".join(bad))
    with pytest.raises(CommandError, match="Nothing was imported"):
        run(path)
    assert not Response.objects.exists()
    assert not Contact.objects.exists()
    assert not Rollup.objects.exists() and not RollupDelta.objects.exists()
    with open(f"{path}.errors.csv", encoding="utf-8") as report:
        errors = list(csv.DictReader(report))
    by_line = {(int(e["line"]), e["field"].split(".")[-1]) for e in errors}
    assert (6, "score") in by_line
    assert (7, "created_at") in by_line
    assert (8, "contact") in by_line
    assert (9, "response_id") in by_line


def test_partial_imports_the_good_rows_and_a_rerun_skips_what_is_in(brand, tmp_path):
    bad = "2001,11,Out of range,2026-03-01 10:00:00 UTC,601,,a@example.com,,,,Email,,\n"
    path = write(tmp_path, HEADER + "".join(ROWS) + bad)
    run(path, "--partial")
    assert Response.objects.count() == 3
    good = write(tmp_path, HEADER + "".join(ROWS), "again.csv")
    run(good)
    assert Response.objects.count() == 3
    assert day_count(brand, dt.date(2026, 3, 14))[10] == 1


def test_a_people_list_keeps_unsubscribes_and_last_sent_dates(brand, tmp_path):
    people = (
        "Name,Email,Phone Number,Created At,Last Sent At,Unsubscribed At,Plan\n"
        "Cara,cara@example.com,,2025-01-02 10:00:00 UTC,2026-11-01 10:00:00 UTC,,pro\n"
        "Dan,dan@example.com,,2025-01-02 10:00:00 UTC,,2026-02-01 08:00:00 UTC,free\n"
    )
    run(write(tmp_path, people, "people.csv"))
    cara = Contact.objects.get(email="cara@example.com")
    assert cara.last_invited_at == dt.datetime(2026, 11, 1, 10, tzinfo=dt.UTC)
    assert cara.attributes == {"Plan": "pro"}
    dan = Contact.objects.get(email="dan@example.com")
    assert dan.opted_out_at == dt.datetime(2026, 2, 1, 8, tzinfo=dt.UTC)


def test_a_file_that_is_not_a_delighted_export_is_refused(brand, tmp_path):
    with pytest.raises(CommandError, match="Email, Phone Number or Person ID"):
        run(write(tmp_path, "Score,Comment\n9,ok\n"))


def test_an_unclosed_quote_in_a_comment_swallows_no_response(brand, tmp_path):
    broken = '2001,9,"Great staff,2026-03-01 10:00:00 UTC,601,,a@example.com,,,,Email,,\n'
    path = write(tmp_path, HEADER + broken + ROWS[1] + ROWS[2])
    with pytest.raises(CommandError, match="Nothing was imported"):
        run(path)
    assert not Response.objects.exists()
    with open(f"{path}.errors.csv", encoding="utf-8") as report:
        [error] = list(csv.DictReader(report))
    assert (error["line"], error["field"]) == ("2", "row") and "quote" in error["message"]

    run(path, "--partial")
    # The two rows after it are answers of their own, not the rest of its comment.
    assert sorted(Response.objects.values_list("score", flat=True)) == [6, 8]


def test_a_row_with_too_few_cells_is_an_error(brand, tmp_path):
    path = write(tmp_path, HEADER + ROWS[1] + "1004,9,Fine,2026-03-01 10:00:00 UTC\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        run(path)
    with open(f"{path}.errors.csv", encoding="utf-8") as report:
        assert list(csv.reader(report))[1:] == [["3", "row", "has 4 cells; the header has 13"]]


def test_a_file_refused_as_a_whole_leaves_no_errors_file(brand, tmp_path):
    path = write(tmp_path, "Score,Comment\n9,ok\n")
    with pytest.raises(CommandError, match="Email, Phone Number or Person ID"):
        run(path)
    assert not (tmp_path / "export.csv.errors.csv").exists()
