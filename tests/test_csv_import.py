"""`touchpoint import-interactions FILE`: checks the whole file, then imports, or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from touchpoint.contacts.models import Contact
from touchpoint.intake.actions import record_interactions
from touchpoint.intake.csv_import import row_to_payload
from touchpoint.intake.schemas import CheckedContact, CheckedInteraction, InteractionIn
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Interaction, Invitation

pytestmark = pytest.mark.django_db
HEADER = (
    "external_id,touchpoint,unit,occurred_at,contact_email,contact_name,contact_locale,"
    "contact.tier,property.phone_model"
)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel("2026-11-20T10:05:00+01:00", tick=True):
        yield


def write(tmp_path: Path, *lines: str, header: str = HEADER, encoding: str = "utf-8") -> Path:
    path = tmp_path / "interactions.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding=encoding)
    return path


def row(i: int, **overrides) -> str:
    values = {
        "external_id": f"sale-{i}",
        "touchpoint": "store-purchase",
        "unit": "store-012",
        "occurred_at": "2026-11-20T09:00:00+01:00",
        "contact_email": f"c{i}@example.com",
        "contact_name": "Zoé Martin",
        "contact_locale": "fr",
        "contact.tier": "premium",
        "property.phone_model": "Nimbus X5",
    }
    values.update(overrides)
    return ",".join(values.values())


def errors_of(path: Path) -> list[list[str]]:
    with open(f"{path}.errors.csv", encoding="utf-8") as f:
        return list(csv.reader(f))[1:]


def test_a_good_file_is_imported_with_contacts_attributes_and_invitations(brand, tmp_path, capsys):
    path = write(tmp_path, *(row(i) for i in range(25)))
    call_command("import-interactions", str(path), "--no-progress")
    assert Interaction.objects.count() == 25
    contact = Contact.objects.get(email="c3@example.com")
    assert (contact.name, contact.locale, contact.attributes) == (
        "Zoé Martin",
        "fr",
        {"tier": "premium"},
    )
    assert Interaction.objects.get(external_id="sale-3").properties == {"phone_model": "Nimbus X5"}
    assert Invitation.objects.filter(state="scheduled").count() == 25
    out = capsys.readouterr().out
    assert "Imported 25 interaction(s)" in out and "25 scheduled" in out
    assert not Path(f"{path}.errors.csv").exists()


def test_a_file_with_errors_imports_nothing_and_reports_each_row(brand, tmp_path):
    path = write(
        tmp_path,
        row(1),
        row(2, unit="store-999"),
        row(3, occurred_at="last tuesday"),
        row(4, contact_email=""),
        row(5),
        row(6, external_id="sale-1"),
    )
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import-interactions", str(path), "--no-progress")
    assert Interaction.objects.count() == 0 and Contact.objects.count() == 0
    report = errors_of(path)
    assert sorted(r[:2] for r in report) == [
        ["3", "unit"],
        ["4", "occurred_at"],
        ["5", "contact"],
        ["7", "external_id"],
    ]
    assert any("no unit with code 'store-999'" in r[2] for r in report)


def test_partial_imports_the_good_rows_and_reports_the_rest(brand, tmp_path):
    path = write(tmp_path, row(1), row(2, unit="store-999"), row(3))
    call_command("import-interactions", str(path), "--no-progress", "--partial")
    assert sorted(Interaction.objects.values_list("external_id", flat=True)) == ["sale-1", "sale-3"]
    assert [r[:2] for r in errors_of(path)] == [["3", "unit"]]


def test_running_an_import_again_adds_nothing(brand, tmp_path, capsys):
    path = write(tmp_path, *(row(i) for i in range(5)))
    call_command("import-interactions", str(path), "--no-progress")
    call_command("import-interactions", str(path), "--no-progress")
    assert Interaction.objects.count() == 5
    assert "(5 already there, skipped)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("touchpoint,unit,contact_email", "missing column(s): occurred_at"),
        ("touchpoint,unit,occurred_at,contact_name", "needs at least one of"),
        (HEADER + ",colour", "unknown column(s): colour"),
        (HEADER + ",unit", "repeated column(s): unit"),
    ],
)
def test_a_wrong_header_is_refused_before_anything_happens(brand, tmp_path, header, message):
    path = write(tmp_path, row(1), header=header)
    with pytest.raises(CommandError, match="Wrong header") as error:
        call_command("import-interactions", str(path), "--no-progress")
    assert message in str(error.value)
    assert Interaction.objects.count() == 0


def test_a_file_that_is_not_utf8_is_refused_with_a_hint(brand, tmp_path):
    path = write(tmp_path, row(1), row(2), encoding="latin-1")  # "Zoé" is not UTF-8 here
    with pytest.raises(CommandError, match=r"not UTF-8 .*save it as UTF-8"):
        call_command("import-interactions", str(path), "--no-progress")
    assert Interaction.objects.count() == 0


def test_a_row_with_too_many_cells_is_reported(brand, tmp_path):
    path = write(tmp_path, row(1) + ",extra")
    with pytest.raises(CommandError):
        call_command("import-interactions", str(path), "--no-progress")
    assert errors_of(path)[0][:2] == ["2", "row"]


def test_answers_collected_elsewhere_can_be_imported_with_their_dates(brand, tmp_path):
    path = write(
        tmp_path,
        "p-1,support-call,agent-431,2026-03-02T10:00:00Z,a@example.com,7,Helpful agent,phone",
        "p-2,support-call,agent-431,2026-03-03T10:00:00Z,b@example.com,ten,,phone",
        header="external_id,touchpoint,unit,occurred_at,contact_email,score,comment,response_channel",
    )
    with pytest.raises(CommandError):
        call_command("import-interactions", str(path), "--no-progress")
    assert errors_of(path)[0][:2] == ["3", "response.score"]
    path = write(
        tmp_path,
        "p-1,support-call,agent-431,2026-03-02T10:00:00Z,a@example.com,7,Helpful agent,phone",
        header="external_id,touchpoint,unit,occurred_at,contact_email,score,comment,response_channel",
    )
    call_command("import-interactions", str(path), "--no-progress")
    response = Response.objects.get()
    assert (response.score, response.channel) == (7, "phone")
    assert response.answered_at.isoformat() == "2026-03-02T10:00:00+00:00"
    assert response.attribution["agent"]["code"] == "agent-431"


def test_an_unknown_file_or_account_is_a_clear_error(brand, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import-interactions", str(tmp_path / "nope.csv"))
    with pytest.raises(CommandError, match="No account with slug 'nope'"):
        call_command("import-interactions", str(write(tmp_path, row(1))), "--account", "nope")


def test_an_import_of_many_chunks_ties_each_row_to_its_own_contact_and_invitation(
    brand, tmp_path, monkeypatch
):
    # Several chunks, each larger than SQLite's historical 999-parameter statements.
    monkeypatch.setattr("touchpoint.intake.csv_import.CHUNK", 150)
    path = write(tmp_path, *(row(i, contact_email=f"p{i}@example.com") for i in range(400)))
    call_command("import-interactions", str(path), "--no-progress")
    assert Interaction.objects.count() == 400
    for stored in Interaction.objects.select_related("contact"):
        n = stored.external_id.removeprefix("sale-")
        assert stored.contact.email == f"p{n}@example.com"
        invitation = stored.invitations.get()
        assert (invitation.contact_id, invitation.unit_id) == (stored.contact_id, stored.unit_id)


@pytest.fixture(params=[1, 2], ids=["in-process", "two-workers"])
def check_workers(request, monkeypatch):
    """Large files are validated in worker processes: the same tests run both ways."""
    monkeypatch.setattr("touchpoint.intake.csv_import.check_workers", lambda path: request.param)
    return request.param


def test_partial_skips_bad_rows_in_every_chunk(brand, tmp_path, monkeypatch, capsys, check_workers):
    monkeypatch.setattr("touchpoint.intake.csv_import.CHUNK", 2)
    path = write(
        tmp_path,
        row(1),
        row(2, unit="store-999"),
        row(3),
        row(4, occurred_at="soon"),
        row(5, external_id="sale-1"),
        row(6),
    )
    call_command("import-interactions", str(path), "--no-progress", "--partial")
    assert sorted(Interaction.objects.values_list("external_id", flat=True)) == [
        "sale-1",
        "sale-3",
        "sale-6",
    ]
    assert sorted(r[:2] for r in errors_of(path)) == [
        ["3", "unit"],
        ["5", "occurred_at"],
        ["6", "external_id"],
    ]
    assert "Imported 3 interaction(s)" in capsys.readouterr().out


def test_a_file_checked_by_workers_reports_every_row_in_file_order(
    brand, tmp_path, monkeypatch, check_workers
):
    monkeypatch.setattr("touchpoint.intake.csv_import.CHUNK", 3)
    lines = [row(i) for i in range(1, 31)]  # row i is on line i + 1
    lines[4] = row(5, occurred_at="soon")
    lines[17] = row(18) + ",surplus"
    lines[23] = row(24, unit="store-999")
    lines[28] = row(29, external_id="sale-2")
    path = write(tmp_path, *lines)
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import-interactions", str(path), "--no-progress")
    assert Interaction.objects.count() == 0
    assert [r[:2] for r in errors_of(path)] == [
        ["6", "occurred_at"],
        ["19", "row"],
        ["25", "unit"],
        ["30", "external_id"],
    ]
    call_command("import-interactions", str(write(tmp_path, *map(row, range(1, 31)))))
    assert Interaction.objects.count() == 30
    assert Invitation.objects.count() == 30


def test_a_file_that_stops_being_utf8_in_a_later_chunk_imports_nothing(
    brand, tmp_path, monkeypatch, check_workers
):
    monkeypatch.setattr("touchpoint.intake.csv_import.CHUNK", 20)
    path = write(tmp_path, *(row(i) for i in range(1, 300)))  # past the first decoded block
    path.write_bytes(path.read_bytes() + row(300, contact_name="Zoé").encode("latin-1") + b"\n")
    with pytest.raises(CommandError, match=r"not UTF-8 text \(near line [1-9]\d+\)"):
        call_command("import-interactions", str(path), "--no-progress")
    assert Interaction.objects.count() == 0


def test_imported_rows_are_stored_as_validated(brand, tmp_path):
    path = write(
        tmp_path,
        "h-1,support-call,agent-431,2026-11-19T23:30:00.250-05:00, Bo@Example.COM ,"
        "+33 6 12 34 56 78,crm-7,pt_BR,America/Sao_Paulo,gold,7,Très bien,2026-11-20T06:00:00Z,"
        "phone,Nimbus X5",
        header="external_id,touchpoint,unit,occurred_at,contact_email,contact_phone,"
        "contact_external_id,contact_locale,contact_time_zone,contact.tier,score,comment,"
        "answered_at,response_channel,property.phone_model",
    )
    call_command("import-interactions", str(path), "--no-progress")
    stored = Interaction.objects.select_related("contact").get()
    assert stored.occurred_at.isoformat() == "2026-11-20T04:30:00.250000+00:00"
    contact = stored.contact
    assert (contact.email, contact.phone, contact.external_id) == (
        "bo@example.com",
        "+33612345678",
        "crm-7",
    )
    assert (contact.locale, contact.time_zone, contact.attributes) == (
        "pt-BR",
        "America/Sao_Paulo",
        {"tier": "gold"},
    )
    response = Response.objects.get()
    assert (response.score, response.comment, response.channel) == (7, "Très bien", "phone")
    assert response.answered_at.isoformat() == "2026-11-20T06:00:00+00:00"


def test_an_imported_interaction_repeated_through_the_api_is_the_same_one(brand, api, tmp_path):
    path = write(tmp_path, row(1))
    call_command("import-interactions", str(path), "--no-progress")
    same = {
        "external_id": "sale-1",
        "touchpoint": "store-purchase",
        "unit": "store-012",
        "occurred_at": "2026-11-20T09:00:00+01:00",
        "contact": {
            "email": "c1@example.com",
            "name": "Zoé Martin",
            "locale": "fr",
            "attributes": {"tier": "premium"},
        },
        "properties": {"phone_model": "Nimbus X5"},
    }
    response = api.post("/api/v1/interactions", same, content_type="application/json")
    assert response.status_code == 200
    changed = {**same, "properties": {"phone_model": "Nimbus X6"}}
    response = api.post("/api/v1/interactions", changed, content_type="application/json")
    assert response.status_code == 409


def test_only_a_large_file_on_a_platform_that_forks_is_checked_by_workers(tmp_path, monkeypatch):
    from touchpoint.intake import csv_import

    path = write(tmp_path, row(1))
    assert csv_import.check_workers(str(path)) == 1  # small: starting workers costs more
    monkeypatch.setattr(csv_import, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(csv_import.os, "cpu_count", lambda: 8)
    assert csv_import.check_workers(str(path)) == 4
    monkeypatch.setattr(csv_import.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert csv_import.check_workers(str(path)) == 1


# Strict CSV: a malformed row is an error on the line it starts on, and never takes the
# rows after it along.


def test_an_unclosed_quote_is_an_error_and_swallows_no_row(brand, tmp_path):
    path = write(tmp_path, row(1), row(2, contact_name='"Zoé Martin'), row(3), row(4))
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import-interactions", str(path), "--no-progress")
    assert Interaction.objects.count() == 0
    [(line, field, message)] = errors_of(path)
    assert (line, field) == ("3", "row")
    assert "quote" in message

    call_command("import-interactions", str(path), "--no-progress", "--partial")
    # The rows after the broken one are read as rows of their own, not as its contact's name.
    assert sorted(Interaction.objects.values_list("external_id", flat=True)) == [
        "sale-1",
        "sale-3",
        "sale-4",
    ]
    assert {c.name for c in Contact.objects.all()} == {"Zoé Martin"}


def test_an_unclosed_quote_closed_by_a_later_rows_quote_swallows_no_row(brand, tmp_path):
    path = write(
        tmp_path,
        row(1, contact_name='"Zoé Martin'),
        row(2),
        row(3, contact_name='"Martin, Ana"'),
        row(4),
    )
    call_command("import-interactions", str(path), "--no-progress", "--partial")
    assert [r[:2] for r in errors_of(path)] == [["2", "row"]]
    assert sorted(Interaction.objects.values_list("external_id", flat=True)) == [
        "sale-2",
        "sale-3",
        "sale-4",
    ]
    assert Contact.objects.get(email="c3@example.com").name == "Martin, Ana"


def test_text_after_a_closing_quote_is_an_error_on_its_line(brand, tmp_path):
    path = write(tmp_path, row(1), row(2, contact_name='"Zoé" Martin'), row(3))
    call_command("import-interactions", str(path), "--no-progress", "--partial")
    [(line, field, message)] = errors_of(path)
    assert (line, field) == ("3", "row") and "quote" in message
    assert Interaction.objects.count() == 2


def test_a_row_with_too_few_cells_is_an_error(brand, tmp_path):
    short = row(2).rsplit(",", 1)[0]  # no phone_model cell at all
    path = write(tmp_path, row(1), short)
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import-interactions", str(path), "--no-progress")
    assert errors_of(path) == [["3", "row", "has 8 cells; the header has 9"]]
    assert Interaction.objects.count() == 0


def test_a_quoted_cell_over_several_lines_is_one_row_named_by_its_first_line(brand, tmp_path):
    path = write(
        tmp_path,
        row(1, **{"property.phone_model": '"Nimbus X5\n(the blue one)"'}),  # lines 2-3
        row(2, unit="store-999"),  # line 4
        header=HEADER,
    )
    call_command("import-interactions", str(path), "--no-progress", "--partial")
    assert [r[:2] for r in errors_of(path)] == [["4", "unit"]]
    stored = Interaction.objects.get()
    assert stored.properties == {"phone_model": "Nimbus X5\n(the blue one)"}

    path = write(tmp_path, row(5, unit="store-999", contact_name='"Zoé\nMartin"'), row(6))
    with pytest.raises(CommandError):
        call_command("import-interactions", str(path), "--no-progress")
    assert [r[:2] for r in errors_of(path)] == [["2", "unit"]]


@pytest.mark.parametrize(
    "contents",
    [
        pytest.param(b"touchpoint,unit,contact_email\nstore-purchase,store-012,a@b.c\n", id="hdr"),
        pytest.param(HEADER.encode() + b"\n" + row(1).encode("latin-1") + b"\n", id="encoding"),
        pytest.param(b"", id="empty"),
    ],
)
def test_a_file_refused_as_a_whole_leaves_no_errors_file(brand, tmp_path, contents):
    path = tmp_path / "interactions.csv"
    path.write_bytes(contents)
    Path(f"{path}.errors.csv").write_text("line,field,message\n2,unit,from an earlier run\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import-interactions", str(path), "--no-progress")
    assert not Path(f"{path}.errors.csv").exists()


def test_blank_lines_are_no_rows_and_keep_the_line_numbers(brand, tmp_path):
    path = write(tmp_path, row(1), "", "   ", row(2, unit="store-999"))
    with pytest.raises(CommandError):
        call_command("import-interactions", str(path), "--no-progress")
    assert [r[:2] for r in errors_of(path)] == [["5", "unit"]]


RETURNING = [
    row(1, contact_email="ana@example.com", occurred_at="2026-11-18T09:00:00+01:00"),
    row(2, contact_email="bo@example.com"),
    # Ana again the next day, her address written differently: the same contact.
    row(3, contact_email="ANA@example.com", occurred_at="2026-11-19T09:00:00+01:00"),
    row(4, touchpoint="repair", unit="repair-3", contact_email="bo@example.com"),
    row(5, contact_email="dee@example.com"),  # invited before the file
    row(6, contact_email="cy@example.com", occurred_at="2026-10-01T09:00:00+01:00"),  # stale
    row(7, contact_email="cy@example.com"),
    row(8, contact_email="ana@example.com"),
]


def _invited_before_the_file(brand) -> None:
    earlier = CheckedInteraction(
        "earlier-1",
        "store-purchase",
        "store-012",
        dt.datetime.fromisoformat("2026-11-17T12:00:00+01:00"),
        CheckedContact("", "dee@example.com", "", "", "", "", {}),
        {},
        None,
        "0" * 64,
    )
    assert record_interactions(brand.account, [earlier]).ok


def _outcomes() -> dict[str, tuple]:
    return {
        i.interaction.external_id: (i.contact.email, i.state, i.reason, i.send_at)
        for i in Invitation.objects.select_related("interaction", "contact")
        if i.interaction.external_id != "earlier-1"
    }


@pytest.mark.parametrize("chunk", [2000, 3, 1], ids=["one-chunk", "chunks-of-3", "row-by-row"])
def test_a_contact_twice_in_one_file_is_quarantined_as_if_sent_one_by_one(
    brand, tmp_path, monkeypatch, chunk
):
    # Given the rows sent one request each, through the same intake,
    _invited_before_the_file(brand)
    for line in RETURNING:
        payload = row_to_payload(dict(zip(HEADER.split(","), line.split(","), strict=True)))
        assert record_interactions(brand.account, [InteractionIn.model_validate(payload)]).ok
    one_by_one = _outcomes()
    Contact.objects.all().delete()  # and their interactions and invitations
    # when the same rows come in one file, read in chunks of `chunk` rows,
    _invited_before_the_file(brand)
    monkeypatch.setattr("touchpoint.intake.csv_import.CHUNK", chunk)
    call_command("import-interactions", str(write(tmp_path, *RETURNING)), "--no-progress")
    # then each row's invitation is decided exactly as it was one by one: a row sees the
    # rows before it in the same chunk, in earlier chunks and in earlier imports.
    assert _outcomes() == one_by_one
    states = {external_id: outcome[1:3] for external_id, outcome in one_by_one.items()}
    assert states == {
        "sale-1": ("scheduled", ""),
        "sale-2": ("scheduled", ""),
        "sale-3": ("suppressed", "quarantine"),
        "sale-4": ("suppressed", "quarantine"),
        "sale-5": ("suppressed", "quarantine"),
        "sale-6": ("suppressed", "stale"),
        "sale-7": ("scheduled", ""),
        "sale-8": ("suppressed", "quarantine"),
    }
    assert Contact.objects.count() == 4


def test_each_column_lands_in_its_place_of_the_payload_and_empty_cells_are_absent():
    header = [
        "comment",
        "contact.tier",
        "external_id",
        "score",
        "property.model",
        "contact_email",
        "contact_name",
        "response_channel",
        "unit",
        "answered_at",
        "contact.plan",
        "property.colour",
    ]
    cells = [
        "Great",
        "gold",
        "sale-1",
        " 9 ",
        "X5",
        "zoe@example.com",
        "",
        "phone",
        "store-012",
        "",
        "",
        "blue",
    ]
    payload = row_to_payload(dict(zip(header, cells, strict=True)))
    assert json.dumps(payload) == json.dumps(
        {
            "contact": {"email": "zoe@example.com", "attributes": {"tier": "gold"}},
            "properties": {"model": "X5", "colour": "blue"},
            "external_id": "sale-1",
            "unit": "store-012",
            "response": {"comment": "Great", "score": 9, "channel": "phone"},
        }
    )
    # A score that is no plain number is passed on as written, for the schema to refuse.
    assert row_to_payload({"score": "nine"})["response"] == {"score": "nine"}
    assert row_to_payload({"score": "", "comment": ""}) == {"contact": {}, "properties": {}}
