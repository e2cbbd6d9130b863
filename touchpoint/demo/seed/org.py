"""The demo's organisation: Nimbus Mobile's regions and stores, support vendors with their
teams and agents, repair centres, each with a latent quality that shapes its scores; and the
demo's sign-in names, one per level."""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from touchpoint.accounts.actions import do_create_unit
from touchpoint.accounts.models import Account, Membership, Unit
from touchpoint.demo.seed.customers import person_name

ACCOUNT_SLUG = "demo"
BRAND_CODE = "nimbus"


@dataclass(frozen=True)
class UnitSpec:
    kind: str
    code: str
    name: str
    parent: str | None = None
    time_zone: str = ""
    country: str = ""  # uk, ie, fr, de, es: customers, currency and repair routing
    city: str = ""
    language: str = ""  # the language a support team answers in
    quality: float = 0.0  # latent, drawn once: shifts the scores of the unit and its subtree
    traffic: float = 1.0  # relative volume of interactions


# (code, name, time zone, country, stores as (name, city) or (name, city, time zone))
REGIONS: list[tuple[str, str, str, str, list[tuple[str, ...]]]] = [
    (
        "region-london",
        "London & South East",
        "",
        "uk",
        [
            ("London Oxford Street", "London"),
            ("London Covent Garden", "London"),
            ("London Canary Wharf", "London"),
            ("London Westfield Stratford", "London"),
            ("London Westfield White City", "London"),
            ("London King's Cross", "London"),
            ("Croydon Whitgift", "Croydon"),
            ("Brighton Churchill Square", "Brighton"),
            ("Reading Oracle", "Reading"),
            ("Oxford Westgate", "Oxford"),
            ("Cambridge Grand Arcade", "Cambridge"),
            ("Milton Keynes Centre", "Milton Keynes"),
            ("Guildford High Street", "Guildford"),
            ("Southampton WestQuay", "Southampton"),
            ("Canterbury Whitefriars", "Canterbury"),
        ],
    ),
    (
        "region-north",
        "North, Midlands & Wales",
        "",
        "uk",
        [
            ("Birmingham Bullring", "Birmingham"),
            ("Manchester Arndale", "Manchester"),
            ("Manchester Trafford Centre", "Manchester"),
            ("Leeds Trinity", "Leeds"),
            ("Liverpool ONE", "Liverpool"),
            ("Sheffield Meadowhall", "Sheffield"),
            ("Newcastle Eldon Square", "Newcastle"),
            ("Nottingham Victoria Centre", "Nottingham"),
            ("Leicester Highcross", "Leicester"),
            ("York Coppergate", "York"),
            ("Bristol Cabot Circus", "Bristol"),
            ("Cardiff St David's", "Cardiff"),
            ("Norwich Chapelfield", "Norwich"),
        ],
    ),
    (
        "region-scotland-ireland",
        "Scotland & Ireland",
        "",
        "uk",
        [
            ("Glasgow Buchanan Street", "Glasgow"),
            ("Edinburgh Princes Street", "Edinburgh"),
            ("Aberdeen Union Square", "Aberdeen"),
            ("Dundee Overgate", "Dundee"),
            ("Belfast Victoria Square", "Belfast"),
            ("Dublin Grafton Street", "Dublin", "Europe/Dublin"),
            ("Dublin Dundrum", "Dublin", "Europe/Dublin"),
            ("Cork Patrick Street", "Cork", "Europe/Dublin"),
        ],
    ),
    (
        "region-france",
        "France",
        "Europe/Paris",
        "fr",
        [
            ("Paris Opéra", "Paris"),
            ("Paris La Défense", "Paris"),
            ("Paris Montparnasse", "Paris"),
            ("Paris Châtelet", "Paris"),
            ("Lyon Part-Dieu", "Lyon"),
            ("Marseille Vieux-Port", "Marseille"),
            ("Lille Centre", "Lille"),
            ("Bordeaux Sainte-Catherine", "Bordeaux"),
            ("Toulouse Capitole", "Toulouse"),
            ("Nice Masséna", "Nice"),
            ("Nantes Graslin", "Nantes"),
            ("Strasbourg Kléber", "Strasbourg"),
        ],
    ),
    (
        "region-germany",
        "Germany",
        "Europe/Berlin",
        "de",
        [
            ("Berlin Alexanderplatz", "Berlin"),
            ("Berlin Kurfürstendamm", "Berlin"),
            ("Hamburg Jungfernstieg", "Hamburg"),
            ("München Marienplatz", "München"),
            ("Köln Hohe Straße", "Köln"),
            ("Frankfurt Zeil", "Frankfurt"),
            ("Stuttgart Königstraße", "Stuttgart"),
            ("Düsseldorf Schadowstraße", "Düsseldorf"),
            ("Leipzig Petersbogen", "Leipzig"),
        ],
    ),
    (
        "region-spain",
        "Spain",
        "Europe/Madrid",
        "es",
        [
            ("Madrid Gran Vía", "Madrid"),
            ("Madrid Castellana", "Madrid"),
            ("Barcelona Passeig de Gràcia", "Barcelona"),
            ("Barcelona Diagonal", "Barcelona"),
            ("Valencia Colón", "Valencia"),
            ("Sevilla Nervión", "Sevilla"),
            ("Bilbao Moyúa", "Bilbao"),
            ("Málaga Larios", "Málaga"),
        ],
    ),
]
FLAGSHIPS = {"London Oxford Street", "Paris Opéra", "Berlin Alexanderplatz", "Madrid Gran Vía"}
# A couple of clearly bad stores and a few stars, so the leaderboards tell a story.
STORE_QUALITY = {
    "London Westfield Stratford": -1.25,
    "Marseille Vieux-Port": -1.1,
    "Edinburgh Princes Street": 0.85,
    "München Marienplatz": 0.8,
    "Cambridge Grand Arcade": 0.75,
}

# (code, name, time zone, quality, teams as (suffix, name, language, agents, name pools))
VENDORS: list[tuple[str, str, str, float, list[tuple[str, str, str, int, tuple[str, ...]]]]] = [
    (
        "callco",
        "CallCo",
        "",
        0.2,
        [
            ("1", "CallCo Glasgow, phones", "en", 13, ("uk",)),
            ("2", "CallCo Glasgow, billing", "en", 12, ("uk",)),
            ("3", "CallCo Belfast", "en", 11, ("uk", "ie")),
        ],
    ),
    (
        "helpwise",
        "Helpwise",
        "Europe/Dublin",
        0.35,
        [
            ("1", "Helpwise Dublin, tier 1", "en", 12, ("ie",)),
            ("2", "Helpwise Dublin, tier 2", "en", 10, ("ie", "uk")),
        ],
    ),
    (
        "teleserve",
        "TeleServe",
        "Europe/Lisbon",
        -0.05,
        [
            ("1", "TeleServe Lisbon, English", "en", 11, ("pt",)),
            ("2", "TeleServe Lisbon, Spanish", "es", 12, ("pt", "es")),
            ("3", "TeleServe Porto, Spanish", "es", 10, ("pt", "es")),
        ],
    ),
    (
        "voxpoint",
        "VoxPoint",
        "Europe/Berlin",
        0.1,
        [
            ("1", "VoxPoint Berlin", "de", 12, ("de",)),
            ("2", "VoxPoint Leipzig", "de", 11, ("de",)),
        ],
    ),
    (
        "atlas",
        "Atlas Contact",
        "Africa/Casablanca",
        -0.3,
        [
            ("1", "Atlas Contact Casablanca", "fr", 13, ("ma", "fr")),
            ("2", "Atlas Contact Rabat", "fr", 11, ("ma", "fr")),
        ],
    ),
]

# (name, city, country, time zone, quality or None for a random one)
REPAIR_CENTRES: list[tuple[str, str, str, str, float | None]] = [
    ("Repair Centre London Park Royal", "London", "uk", "", None),
    ("Repair Centre Manchester Trafford Park", "Manchester", "uk", "", None),
    ("Repair Centre Birmingham", "Birmingham", "uk", "", -1.0),  # a backlog all year
    ("Repair Centre Bristol", "Bristol", "uk", "", None),
    ("Repair Centre Glasgow", "Glasgow", "uk", "", None),
    ("Repair Centre Dublin", "Dublin", "ie", "Europe/Dublin", 0.7),
    ("Repair Centre Paris Rungis", "Paris", "fr", "Europe/Paris", None),
    ("Repair Centre Lyon", "Lyon", "fr", "Europe/Paris", None),
    ("Repair Centre Hamburg", "Hamburg", "de", "Europe/Berlin", None),
    ("Repair Centre Frankfurt", "Frankfurt", "de", "Europe/Berlin", None),
    ("Repair Centre Madrid", "Madrid", "es", "Europe/Madrid", None),
]


@functools.cache
def demo_tree() -> tuple[UnitSpec, ...]:
    """The whole organisation, parents before children. Independent of the history seed, so
    names, codes and latent qualities stay the same from one run to the next."""
    rng = random.Random("nimbus-demo-tree")
    out = [UnitSpec("brand", BRAND_CODE, "Nimbus Mobile")]
    number = 0
    for code, name, zone, country, stores in REGIONS:
        out.append(
            UnitSpec(
                "region",
                code,
                name,
                BRAND_CODE,
                time_zone=zone,
                country=country,
                quality=rng.gauss(0, 0.12),
            )
        )
        for store in stores:
            number += 1
            store_name, city = store[0], store[1]
            store_zone = store[2] if len(store) > 2 else ""
            out.append(
                UnitSpec(
                    "store",
                    f"store-{number:03d}",
                    store_name,
                    code,
                    time_zone=store_zone,
                    country="ie" if store_zone == "Europe/Dublin" else country,
                    city=city,
                    quality=STORE_QUALITY.get(store_name, _clamp(rng.gauss(0, 0.35), 0.65)),
                    traffic=(1.8 if store_name in FLAGSHIPS else 1) * rng.lognormvariate(0, 0.3),
                )
            )

    teams = [team for *_, vendor_teams in VENDORS for team in vendor_teams]
    agent_numbers = sorted(rng.sample(range(100, 1000), sum(t[3] for t in teams)))
    agent_quality = [_clamp(rng.gauss(0, 0.35), 0.75) for _ in agent_numbers]
    for rank, i in enumerate(rng.sample(range(len(agent_numbers)), 7)):
        agent_quality[i] = -1.4 if rank < 3 else 0.9  # a few clearly weak agents, some stars
    numbers, used_names = iter(zip(agent_numbers, agent_quality, strict=True)), set()
    for code, name, zone, quality, vendor_teams in VENDORS:
        vendor_code = f"vendor-{code}"
        out.append(UnitSpec("vendor", vendor_code, name, BRAND_CODE, zone, quality=quality))
        for suffix, team_name, language, agents, pools in vendor_teams:
            team_code = f"team-{code}-{suffix}"
            out.append(
                UnitSpec(
                    "team",
                    team_code,
                    team_name,
                    vendor_code,
                    language=language,
                    quality=rng.gauss(0, 0.15),
                )
            )
            for _ in range(agents):
                agent_number, agent_quality_ = next(numbers)
                while (person := person_name(rng, rng.choice(pools))) in used_names:
                    pass
                used_names.add(person)
                out.append(
                    UnitSpec(
                        "agent",
                        f"agent-{agent_number}",
                        person,
                        team_code,
                        language=language,
                        quality=agent_quality_,
                        traffic=rng.lognormvariate(0, 0.3),
                    )
                )

    for number, (name, city, country, zone, quality) in enumerate(REPAIR_CENTRES, start=1):
        out.append(
            UnitSpec(
                "repair_centre",
                f"repair-{number:02d}",
                name,
                BRAND_CODE,
                time_zone=zone,
                country=country,
                city=city,
                quality=_clamp(rng.gauss(0, 0.3), 0.6) if quality is None else quality,
                traffic=rng.lognormvariate(0, 0.25),
            )
        )
    return tuple(out)


def _clamp(value: float, limit: float) -> float:
    """Keep random qualities short of the hand-picked bad units and stars."""
    return max(-limit, min(limit, value))


def effective_quality(specs: tuple[UnitSpec, ...] | None = None) -> dict[str, float]:
    """Each unit's latent quality plus its ancestors' (a vendor's culture reaches its agents)."""
    out: dict[str, float] = {}
    for spec in specs or demo_tree():
        out[spec.code] = spec.quality + (out[spec.parent] if spec.parent else 0.0)
    return out


# Sign-in names for the demo, one per level of the organisation (password: DEMO_PASSWORD).
DEMO_PASSWORD = "touchpoint-demo"
DEMO_PEOPLE = (
    ("cx-lead", "Chloe Lewis", BRAND_CODE, "admin"),
    ("london-manager", "Leo Okafor", "region-london", "manager"),
    ("oxford-street", "Priya Shah", "store-001", "manager"),
    ("callco-manager", "Callum Reid", "vendor-callco", "manager"),
    ("agent-100", "Samuel Hughes", "agent-100", "frontline"),
)


@transaction.atomic
def ensure_people(account: Account, units: dict[str, Unit]) -> None:
    """Demo users with memberships at every level; existing ones are left as they are."""
    users = get_user_model()
    for username, full_name, unit_code, role in DEMO_PEOPLE:
        if users.objects.filter(username=username).exists():
            continue
        first, last = full_name.split(" ", 1)
        user = users.objects.create_user(
            username,
            f"{username}@nimbus.example",
            DEMO_PASSWORD,
            first_name=first,
            last_name=last,
        )
        Membership.objects.create(user=user, unit=units[unit_code], role=role)


@transaction.atomic
def ensure_tree(account: Account) -> dict[str, Unit]:
    """The demo tree by code, creating missing units through the tree action."""
    units = {u.code: u for u in Unit.objects.filter(account=account)}
    for spec in demo_tree():
        if spec.code not in units:
            units[spec.code] = do_create_unit(
                account=account,
                kind=spec.kind,
                code=spec.code,
                name=spec.name,
                parent=units[spec.parent] if spec.parent else None,
                time_zone=spec.time_zone,
            )
    return units
