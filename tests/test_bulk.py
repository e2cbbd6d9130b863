"""lib/bulk.py: the intake's fast instances and inserts store what the ORM would store."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from touchpoint.contacts.models import Contact
from touchpoint.lib import bulk
from touchpoint.lib.compiled import CompiledUpdate
from touchpoint.responses.models import Response
from touchpoint.surveys.models import Interaction, Invitation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Contact, Interaction, Invitation, Response])
def test_build_gives_every_field_the_value_the_model_constructor_gives(model):
    given = {"account_id": 7, "contact_id": 3} if model is not Contact else {"account_id": 7}
    built, made = bulk.build(model, **given), model(**given)
    for field in model._meta.concrete_fields:
        assert getattr(built, field.attname) == getattr(made, field.attname), field.name
    assert built._state.adding and built._state.db is None


def test_build_gives_each_instance_its_own_mutable_default():
    a, b = bulk.build(Contact), bulk.build(Contact)
    a.attributes["tier"] = "gold"
    assert b.attributes == {}


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 20, 9, 0, 0, 250000, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        dt.datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/Paris")),  # in the DST gap
        dt.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Paris")),
    ],
)
def test_datetimes_are_written_as_the_orm_writes_them(value):
    fields = [Interaction._meta.get_field("occurred_at")]
    ((written,),) = bulk._values([bulk.build(Interaction, occurred_at=value)], fields, connection)
    assert written == connection.ops.adapt_datetimefield_value(value)


def test_both_sides_of_a_dst_fold_keep_their_own_instant():
    first = dt.datetime(2026, 10, 25, 2, 30, tzinfo=ZoneInfo("Europe/Paris"))
    second = first.replace(fold=1)  # an hour later, same wall time
    fields = [Interaction._meta.get_field("occurred_at")]
    built = [bulk.build(Interaction, occurred_at=v) for v in (first, second, first)]
    written = [v for (v,) in bulk._values(built, fields, connection)]
    assert written == [connection.ops.adapt_datetimefield_value(v) for v in (first, second, first)]
    instants = [v if isinstance(v, str) else v.astimezone(dt.UTC) for v in written]
    assert instants[0] != instants[1]


def test_in_plain_finds_what_in_finds(brand):
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        Contact.objects.create(account=brand.account, email=email)
    wanted = ["b@example.com", "c@example.com", "b@example.com", None, "z@example.com"]
    found = Contact.objects.filter(account=brand.account, email__in_plain=wanted)
    assert sorted(found.values_list("email", flat=True)) == ["b@example.com", "c@example.com"]
    ids = list(Contact.objects.values_list("pk", flat=True))
    assert Contact.objects.filter(pk__in_plain=ids[:2]).count() == 2
    assert not Contact.objects.filter(email__in_plain=[None]).exists()


def test_keys_set_aside_before_the_insert_are_never_given_to_another_row(brand):
    first = Contact.objects.create(account=brand.account, email="a@example.com")
    built = [
        bulk.build(Contact, account_id=brand.account.id, email=f"r{i}@example.com")
        for i in range(3)
    ]
    bulk.reserve_ids(built)
    keys = [c.pk for c in built]
    assert keys == sorted(keys) and keys[0] > first.pk
    later = Contact.objects.create(account=brand.account, email="b@example.com")
    assert later.pk > keys[-1]

    bulk.bulk_insert(built)
    stored = dict(Contact.objects.values_list("email", "pk"))
    assert [stored[f"r{i}@example.com"] for i in range(3)] == keys
    assert Contact.objects.create(account=brand.account, email="c@example.com").pk > later.pk


def test_bulk_statements_are_logged_when_queries_are(brand):
    """With DEBUG (or a test counting queries) the bulk insert is in the query log, as
    written, and still inserts: Django's SQLite log formatting cannot read `?` statements."""
    contacts = [
        bulk.build(Contact, account_id=brand.account.pk, email=f"logged{n}@example.com")
        for n in range(3)
    ]
    with CaptureQueriesContext(connection) as captured:
        bulk.bulk_insert(contacts)
    assert Contact.objects.filter(email__startswith="logged").count() == 3
    assert any("INSERT" in q["sql"] or "COPY" in q["sql"] for q in captured.captured_queries)


def test_insert_one_stores_what_save_stores_and_sets_the_key(brand):
    """The answer's response, inserted from SQL built once (and prepared on PostgreSQL),
    equals the same response saved by the ORM, field for field, JSON and times included;
    the second run of the statement (prepared by then) as well."""
    store = brand.store
    made = []
    for n in range(3):
        values = dict(
            account=brand.account,
            touchpoint=brand.purchase,
            channel="email",
            score=n + 7,
            comment=f"Fine {n} — très bien",
            answers={"speed": n, "tags": ["a", "é"]},
            segments={"contact.tier": "gold"},
            attribution={"store": store.pk},
            unit=store,
            unit_path=store.path,
            answered_at=dt.datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/Paris")),
        )
        fast, slow = Response(**values), Response(**values)
        bulk.insert_one(fast)
        slow.save(force_insert=True)
        assert fast.pk is not None and not fast._state.adding and fast._state.db == "default"
        made.append((fast.pk, slow.pk))
    for fast_pk, slow_pk in made:
        fast, slow = Response.objects.get(pk=fast_pk), Response.objects.get(pk=slow_pk)
        for field in Response._meta.concrete_fields:
            if field.name not in ("id", "created_at", "updated_at"):
                assert getattr(fast, field.attname) == getattr(slow, field.attname), field.name
        assert fast.created_at is not None and fast.updated_at is not None


def test_a_compiled_update_changes_what_the_orm_update_would(brand):
    rows = [
        Contact.objects.create(account=brand.account, email=f"u{n}@example.com") for n in range(3)
    ]
    when = dt.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Paris"))
    update = CompiledUpdate(Contact, ("name", "opted_out_at"), where=("id", "email"))
    assert update.run(["Ana", when], [rows[0].pk, "u0@example.com"]) == 1
    assert update.run(["Bo", when], [rows[1].pk, "not-its-email@example.com"]) == 0
    assert update.run(["Ana", when], [rows[0].pk, "u0@example.com"]) == 1  # prepared by now
    stored = {c.pk: c for c in Contact.objects.filter(account=brand.account)}
    # (PEP 495: a fold=1 time never compares equal across zones; its instant does.)
    assert (stored[rows[0].pk].name, stored[rows[0].pk].opted_out_at) == (
        "Ana",
        when.astimezone(dt.UTC),
    )
    assert (stored[rows[1].pk].name, stored[rows[1].pk].opted_out_at) == ("", None)
    with pytest.raises(ValueError, match="not a column"):
        CompiledUpdate(Contact, ("invitations",), where=("id",))


def test_in_plain_as_an_array_on_postgresql_finds_what_in_finds(brand):
    """`in_plain` (`= ANY(array)` on PostgreSQL, a list of placeholders elsewhere) matches
    exactly the rows `__in` does: quotes, duplicates, None and an empty set included."""
    emails = ["ana@example.com", "o'brien@example.com", "zoé@example.com", "bo@example.com"]
    for email in emails[:3]:
        Contact.objects.create(account=brand.account, email=email)
    for wanted in [
        set(emails),
        {"o'brien@example.com", None},
        {None},
        set(),
        {"nobody@example.com"},
    ]:
        plain = Contact.objects.filter(account=brand.account, email__in_plain=wanted)
        orm = Contact.objects.filter(account=brand.account, email__in=list(wanted))
        assert sorted(plain.values_list("email", flat=True)) == sorted(
            orm.values_list("email", flat=True)
        )
    ids = list(Contact.objects.values_list("pk", flat=True))
    found = Contact.objects.filter(pk__in_plain={*ids, ids[0], 2**40}).values_list("pk", flat=True)
    assert sorted(found) == sorted(ids)
