"""The demo account: Nimbus Mobile, a smartphone brand with stores, support vendors and repair
centres, a year of survey history, and a few interactions "just now" through the real intake.

`seed_demo` is idempotent. Each step creates only what is missing: units by code, touchpoints
by slug, the history once (it is one transaction, marked by its first external id), and the
live interactions by their fixed external ids. Running it again adds nothing.

The history is written with bulk inserts (no intake, no rules engine per row) so 50,000
interactions take seconds, but it follows the same rules the intake applies: send time from
the delay and quiet hours, quarantine, opt-outs, sampling, expiry, attribution snapshots.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import random
import time
import unicodedata
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from touchpoint.accounts.actions import do_create_unit
from touchpoint.accounts.models import Account, Membership, Unit
from touchpoint.contacts.models import Contact
from touchpoint.demo.channels import seed_channels
from touchpoint.demo.themed_comments import feedback
from touchpoint.demo.tickets import ensure_managers, seed_fresh_answers, seed_tickets
from touchpoint.lib.bulk import bulk_insert
from touchpoint.lib.nps import Counts
from touchpoint.reports import rollups
from touchpoint.responses.actions import attribution_for
from touchpoint.responses.models import Response
from touchpoint.surveys import rules
from touchpoint.surveys.actions import new_token, record_interactions
from touchpoint.surveys.defaults import do_create_journey_touchpoints
from touchpoint.surveys.models import (
    Channel,
    Interaction,
    Invitation,
    RecurringSurvey,
    Touchpoint,
)
from touchpoint.surveys.schemas import ContactIn, InteractionIn

ACCOUNT_SLUG = "demo"
BRAND_CODE = "nimbus"
HISTORY_PREFIX = "demo-"  # demo-000001 … in chronological order
LIVE_PREFIX = "demo-live-"
K = Touchpoint.Kind
State, Reason = Invitation.State, Invitation.Reason


# --- the organisation tree ----------------------------------------------------------------------


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
                while (person := _person_name(rng, rng.choice(pools))) in used_names:
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


# --- people ------------------------------------------------------------------------------------

NAMES: dict[str, tuple[list[str], list[str]]] = {
    key: (first.split(), last.split("|"))
    for key, first, last in [
        (
            "uk",
            "Olivia Amelia Isla Ava Emily Sophie Grace Lily Freya Chloe Jessica Ella Charlotte "
            "Hannah Lucy Priya Aisha Zara Oliver George Harry Jack Noah Charlie Jacob Thomas "
            "Oscar James William Leo Alfie Joshua Daniel Samuel Mohammed Arjun Callum Rhys",
            "Smith|Jones|Taylor|Brown|Williams|Wilson|Johnson|Davies|Robinson|Wright|Thompson|"
            "Evans|Walker|White|Roberts|Green|Hall|Wood|Jackson|Clarke|Patel|Khan|Hughes|Edwards|"
            "Turner|Lewis|Harris|Cooper|Ward|Morris|King|Campbell|MacDonald|Stewart",
        ),
        (
            "ie",
            "Aoife Saoirse Niamh Ciara Róisín Sinéad Orla Emma Grace Conor Seán Cian Oisín "
            "Darragh Liam Patrick Eoin Fionn Jack Cillian",
            "Murphy|Kelly|O'Sullivan|Walsh|O'Brien|Byrne|Ryan|O'Connor|O'Neill|Doyle|McCarthy|"
            "Gallagher|Kennedy|Lynch|Quinn|Brennan|Nolan|Fitzgerald",
        ),
        (
            "fr",
            "Camille Léa Manon Chloé Inès Jade Louise Emma Sarah Clara Juliette Zoé Amina Sofia "
            "Lucas Hugo Louis Gabriel Arthur Jules Nathan Théo Raphaël Maxime Antoine Thomas "
            "Nicolas Julien Karim Yanis",
            "Martin|Bernard|Dubois|Thomas|Robert|Richard|Petit|Durand|Leroy|Moreau|Simon|Laurent|"
            "Lefebvre|Michel|Garcia|David|Bertrand|Roux|Vincent|Fournier|Morel|Girard|André|"
            "Mercier|Dupont|Lambert|Bonnet|François|Martinez|Benali",
        ),
        (
            "de",
            "Mia Emma Hannah Sofia Lina Marie Lea Anna Laura Lena Julia Katharina Ben Paul Leon "
            "Finn Elias Jonas Lukas Felix Maximilian Tim Jan Moritz Niklas Tobias Deniz Emre",
            "Müller|Schmidt|Schneider|Fischer|Weber|Meyer|Wagner|Becker|Schulz|Hoffmann|Schäfer|"
            "Koch|Bauer|Richter|Klein|Wolf|Schröder|Neumann|Schwarz|Zimmermann|Braun|Krüger|"
            "Hofmann|Hartmann|Lange|Yilmaz|Kaya",
        ),
        (
            "es",
            "Lucía Sofía Martina María Paula Julia Daniela Valeria Alba Carmen Elena Laura Hugo "
            "Martín Pablo Daniel Alejandro Lucas Mateo Javier David Álvaro Diego Sergio Adrián "
            "Carlos Manuel",
            "García|Rodríguez|González|Fernández|López|Martínez|Sánchez|Pérez|Gómez|Martín|"
            "Jiménez|Ruiz|Hernández|Díaz|Moreno|Muñoz|Álvarez|Romero|Alonso|Gutiérrez|Navarro|"
            "Torres|Domínguez|Vázquez|Ramos|Gil",
        ),
        (
            "pt",
            "Ana Beatriz Inês Mariana Catarina Joana Rita Sofia Carolina Marta João Rodrigo "
            "Tiago Pedro Diogo Miguel Rui Bruno André Gonçalo Nuno Ricardo",
            "Silva|Santos|Ferreira|Pereira|Oliveira|Costa|Rodrigues|Martins|Sousa|Fernandes|"
            "Gonçalves|Gomes|Lopes|Marques|Alves|Almeida|Ribeiro|Pinto|Carvalho",
        ),
        (
            "ma",
            "Yasmine Salma Imane Khadija Meryem Nadia Houda Sara Youssef Mehdi Amine Omar Hamza "
            "Anas Karim Rachid Hicham Reda Ayoub",
            "Alaoui|Bennani|Tazi|El Idrissi|Berrada|Chraibi|Benjelloun|El Amrani|Lahlou|Fassi|"
            "Ouazzani|Kettani|Bouzid|Haddad|Naciri|Sebti|Zniber|El Mansouri",
        ),
    ]
}


@dataclass(frozen=True)
class Country:
    names: str
    locales: tuple[tuple[str, float], ...]
    currency: str
    phone_prefix: str
    phone_digits: int


COUNTRIES = {
    "uk": Country("uk", (("en", 1.0),), "GBP", "+447", 9),
    "ie": Country("ie", (("en", 1.0),), "EUR", "+35387", 7),
    "fr": Country("fr", (("fr", 0.7), ("en", 0.3)), "EUR", "+336", 8),
    "de": Country("de", (("de", 0.65), ("en", 0.35)), "EUR", "+49151", 8),
    "es": Country("es", (("es", 0.65), ("en", 0.35)), "EUR", "+346", 8),
}
PHONES = {  # model: (price, share of customers)
    "Nimbus X5": (849, 28),
    "Nimbus X5 Pro": (1099, 14),
    "Nimbus S3": (549, 22),
    "Nimbus Lite": (299, 22),
    "Nimbus Go": (179, 8),
    "Nimbus Fold": (1599, 6),
}
ACCESSORIES = {"Nimbus Buds 2": 129, "Nimbus Watch": 249, "65 W fast charger": 39, "Case": 49}
TIERS = (("standard", 70), ("plus", 22), ("premium", 8))
TIER_EFFECT = {"standard": 0.0, "plus": 0.1, "premium": 0.25}
EMAIL_DOMAINS = ("example.com", "example.org")


def _person_name(rng: random.Random, pool: str) -> str:
    first, last = NAMES[pool]
    return f"{rng.choice(first)} {rng.choice(last)}"


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


# --- what customers write: `themed_comments.py` (comments and follow-up answers) ----------------


# --- touchpoints and their survey rules ---------------------------------------------------------

# The touchpoints and their rules are the journey defaults every account gets
# (`surveys/defaults.py`).

# Share of the interactions, how good each touchpoint is on average (the log-odds of a high
# score before unit and season effects) and how many invitations get an answer.
SHARE = {
    K.STORE_PURCHASE: 0.34,
    K.SUPPORT_CALL: 0.24,
    K.ONLINE_PURCHASE: 0.13,
    K.REPAIR: 0.09,
    K.SIGN_UP: 0.09,
    K.CONTACT_CHANGE: 0.06,
    K.CANCELLATION: 0.05,
}
BASE = {
    K.STORE_PURCHASE: 1.45,
    K.SUPPORT_CALL: 1.35,
    K.ONLINE_PURCHASE: 1.4,
    K.REPAIR: 1.1,
    K.SIGN_UP: 1.6,
    K.CONTACT_CHANGE: 1.15,
    K.CANCELLATION: 0.35,
}
RESPONSE_RATE = {
    K.STORE_PURCHASE: 0.31,
    K.SUPPORT_CALL: 0.29,
    K.ONLINE_PURCHASE: 0.27,
    K.REPAIR: 0.36,
    K.SIGN_UP: 0.22,
    K.CONTACT_CHANGE: 0.25,
    K.CANCELLATION: 0.21,
}
# Local opening hours (start, end, busiest) in which each kind of interaction happens.
HOURS = {
    K.STORE_PURCHASE: (10.0, 19.5, 16.5),
    K.SUPPORT_CALL: (8.0, 20.0, 11.0),
    K.REPAIR: (9.0, 18.0, 15.0),
}
WEB_HOURS = (6.5, 23.9, 20.5)
CALL_REASONS = ("battery", "billing", "software update", "network", "screen", "account", "order")
REPAIRS = ("screen", "battery", "charging port", "camera", "water damage", "back glass")
CANCEL_REASONS = ("price", "moving abroad", "switched brand", "coverage", "no longer needed")


def _day_weight(kind: str, day: dt.date) -> float:
    """Volume by day: weekly rhythm, Christmas rush, the September launch, January returns."""
    weekday = day.weekday()
    christmas = dt.date(day.year, 11, 20) <= day <= dt.date(day.year, 12, 24)
    launch = dt.date(day.year, 9, 12) <= day <= dt.date(day.year, 10, 10)
    new_year = day >= dt.date(day.year, 12, 26) or day <= dt.date(day.year, 1, 10)
    if kind == K.STORE_PURCHASE:
        w = (0.8, 0.8, 0.9, 1.0, 1.1, 1.6, 0.6)[weekday]
        w *= 1.6 if christmas else 1.4 if launch else 1.2 if new_year else 1.0
    elif kind == K.ONLINE_PURCHASE:
        w = (1.1, 1.0, 1.0, 1.0, 0.9, 0.9, 1.2)[weekday]
        w *= 1.9 if christmas else 1.5 if launch else 1.0
    elif kind == K.SUPPORT_CALL:
        w = (1.3, 1.1, 1.0, 1.0, 0.9, 0.5, 0.3)[weekday]
        w *= 1.6 if new_year else 1.5 if launch else 1.0
    elif kind == K.REPAIR:
        w = (1.0, 1.0, 1.0, 1.0, 1.0, 0.3, 0.0)[weekday]
        w *= 1.2 if new_year else 1.0
    elif kind == K.SIGN_UP:
        w = 2.0 if new_year else 1.5 if launch or christmas else 1.0
    elif kind == K.CANCELLATION:
        w = 1.3 if day.month == 1 else 1.0
    else:
        w = 1.0
    return w


def _season(kind: str, day: dt.date, progress: float) -> float:
    """A slow improvement over the year, store queues before Christmas, call waits at launch."""
    effect = 0.16 * (progress - 0.5)
    if kind in (K.STORE_PURCHASE, K.ONLINE_PURCHASE) and (
        dt.date(day.year, 11, 20) <= day <= dt.date(day.year, 12, 24)
    ):
        effect -= 0.3
    if kind == K.SUPPORT_CALL and dt.date(day.year, 9, 12) <= day <= dt.date(day.year, 10, 10):
        effect -= 0.35
    return effect


def draw_score(rng: random.Random, logit: float) -> int:
    """A 0-10 score skewed like real NPS answers: a beta draw around the unit's mean."""
    p = 1 / (1 + math.exp(-logit))
    return min(10, int(rng.betavariate(4 * p, 4 * (1 - p)) * 11))


# --- the seed -----------------------------------------------------------------------------------


@dataclass
class SeedSummary:
    account: str
    units: dict[str, int]
    touchpoints: int
    contacts: int
    interactions: int
    invitations: dict[str, int]
    responses: int
    nps: float | None
    history_created: int  # interactions added by this run's history step (0: already there)
    live_created: int  # interactions added through the intake by this run
    seconds: float = 0.0
    tickets_created: int = 0

    def lines(self) -> list[str]:
        units = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in self.units.items())
        invitations = ", ".join(f"{n} {state}" for state, n in sorted(self.invitations.items()))
        sent = sum(
            n for state, n in self.invitations.items() if state in ("sent", "answered", "expired")
        )
        rate = f"{100 * self.responses / sent:.0f}% of sent" if sent else "none sent"
        nps = "n/a" if self.nps is None else f"{self.nps:+.0f}"
        return [
            f"Demo account {self.account!r}",
            f"  units: {units}",
            f"  touchpoints: {self.touchpoints}",
            f"  contacts: {self.contacts}",
            f"  interactions: {self.interactions} ({self.history_created} history and "
            f"{self.live_created} live added by this run)",
            f"  invitations: {invitations}",
            f"  responses: {self.responses} ({rate}), NPS {nps}",
            f"  tickets: {self.tickets_created} added by this run",
            f"  took {self.seconds:.1f} s",
        ]


def seed_demo(
    *, interactions: int = 50_000, seed: int = 7, now: dt.datetime | None = None
) -> SeedSummary:
    """Create what is missing of the demo account, in order: the account, its organisation
    tree, its touchpoints, a year of history (`interactions` rows, drawn from `seed`), and a
    few live interactions through the intake so the worker has emails to send."""
    started = time.monotonic()
    now = now or timezone.now()
    account, _ = Account.objects.get_or_create(
        slug=ACCOUNT_SLUG,
        defaults={
            "name": "Nimbus Mobile",
            "time_zone": "Europe/London",
            "default_locale": "en",
            "quarantine_days": 30,
        },
    )
    units = ensure_tree(account)
    touchpoints = ensure_touchpoints(account)
    history = 0
    if not Interaction.objects.filter(account=account, external_id=_history_id(1)).exists():
        history = seed_history(
            account, units, touchpoints, count=interactions, rng=random.Random(seed), now=now
        )
    live = seed_live(account, now=now)
    ensure_recurring(account, units)
    live += seed_channels(account, now=now)
    ensure_people(account, units)
    ensure_managers(account, password=DEMO_PASSWORD, rng=random.Random(seed))
    tickets = seed_tickets(account, now=now, rng=random.Random(seed))
    tickets += seed_fresh_answers(account, now=now)
    ensure_widget_key(account, touchpoints[K.LANDING_PAGE], units[BRAND_CODE])
    summary = summarise(account, history_created=history, live_created=live)
    summary.tickets_created = tickets
    summary.seconds = time.monotonic() - started
    return summary


DEMO_WIDGET_KEY = "tpp_demo_nimbus_shop"  # publishable: safe in a page, and fixed for the demo


def ensure_widget_key(account: Account, touchpoint: Touchpoint, unit: Unit) -> None:
    """The key the demo shop page (/demo/shop/) embeds; its widget asks after 5 seconds on
    the second page."""
    from django.conf import settings

    from touchpoint.widget.actions import do_create_publishable_key
    from touchpoint.widget.models import PublishableKey

    if touchpoint.widget_rules.get("delay_seconds") == 20:  # still the journey default
        touchpoint.widget_rules = {"delay_seconds": 5, "min_page_views": 2, "url_patterns": []}
        touchpoint.save(update_fields=["widget_rules"])
    origins = {settings.SITE_URL, "http://localhost:8000", "http://127.0.0.1:8000"}
    key = PublishableKey.objects.filter(key=DEMO_WIDGET_KEY).first()
    if key is not None:
        if not origins <= key.origins:  # the demo now runs at another address
            key.allowed_origins = "\n".join(sorted(origins | key.origins))
            key.save(update_fields=["allowed_origins"])
        return
    do_create_publishable_key(
        account=account,
        name="Demo shop",
        touchpoint=touchpoint,
        unit=unit,
        origins=sorted(origins),
        key=DEMO_WIDGET_KEY,
    )


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


def ensure_recurring(account: Account, units: dict[str, Unit]) -> RecurringSurvey:
    """A relationship survey of premium customers twice a year: the worker spreads the
    segment over six months and the quarantine keeps it clear of their other surveys."""
    touchpoint, _ = Touchpoint.objects.get_or_create(
        account=account,
        slug="relationship",
        defaults={"name": "Relationship (premium)", "kind": Touchpoint.Kind.RELATIONSHIP},
    )
    survey, _ = RecurringSurvey.objects.get_or_create(
        account=account,
        name="Premium customers, every 6 months",
        defaults={
            "touchpoint": touchpoint,
            "unit": units[BRAND_CODE],
            "segment": {"tier": "premium"},
            "every_months": 6,
        },
    )
    return survey


def ensure_touchpoints(account: Account) -> dict[str, Touchpoint]:
    """The account's touchpoints by kind: the journey defaults."""
    return {t.kind: t for t in do_create_journey_touchpoints(account).values()}


def _history_id(n: int) -> str:
    return f"{HISTORY_PREFIX}{n:06d}"


@dataclass
class _Person:
    contact: Contact
    country: str
    home_store: str
    model: str
    tier: str
    opted_out: dt.datetime | None = None  # globally, or of email
    last_invited: dt.datetime | None = None


@dataclass
class _Slot:
    kind: str
    day: dt.date
    person: _Person | None = None
    unit: str = ""
    occurred_at: dt.datetime | None = None
    properties: dict = field(default_factory=dict)
    effect: float = 0.0  # interaction-level shift of the score (a slow repair, an unsolved call)


class _History:
    """Draws the year of interactions, their invitations and answers, in memory first."""

    def __init__(self, account: Account, rng: random.Random):
        self.account, self.rng = account, rng
        self.quality = effective_quality()
        self.zones: dict[str, str] = {}
        for spec in demo_tree():
            parent_zone = self.zones[spec.parent] if spec.parent else account.time_zone
            self.zones[spec.code] = spec.time_zone or parent_zone
        self.tz = {zone: ZoneInfo(zone) for zone in set(self.zones.values())}
        by_kind: dict[str, list[UnitSpec]] = {}
        for spec in demo_tree():
            by_kind.setdefault(spec.kind, []).append(spec)
        self.stores = by_kind["store"]
        self.store_weights = [s.traffic for s in self.stores]
        self.agents_by_language: dict[str, tuple[list[str], list[float]]] = {}
        for language in ("en", "fr", "de", "es"):
            agents = [a for a in by_kind["agent"] if a.language == language]
            self.agents_by_language[language] = (
                [a.code for a in agents],
                [a.traffic for a in agents],
            )
        self.centres: dict[str, tuple[list[str], list[float]]] = {}
        for country in COUNTRIES:
            centres = [c for c in by_kind["repair_centre"] if c.country == country]
            self.centres[country] = ([c.code for c in centres], [c.traffic for c in centres])
        self.people: list[_Person] = []
        self.emails: set[str] = set()
        self.phones: set[str] = set()

    # people

    def new_person(self, home_store: UnitSpec, window: tuple[dt.datetime, dt.datetime]) -> _Person:
        rng = self.rng
        country = COUNTRIES[home_store.country]
        locale = rng.choices(
            [code for code, _ in country.locales], [w for _, w in country.locales]
        )[0]
        first, last = NAMES[country.names]
        given, family = rng.choice(first), rng.choice(last)
        email = self._unique_email(given, family)
        phone = self._unique_phone(country) if rng.random() < 0.3 else None
        model = rng.choices(list(PHONES), [share for _, share in PHONES.values()])[0]
        tier = rng.choices([t for t, _ in TIERS], [w for _, w in TIERS])[0]
        n = len(self.people) + 1
        contact = Contact(
            account_id=self.account.pk,
            external_id=f"cust-{n:06d}",
            email=email,
            phone=phone,
            name=f"{given} {family}",
            locale=locale,
            time_zone=self.zones[home_store.code],
            attributes={"phone_model": model, "tier": tier, "city": home_store.city},
        )
        person = _Person(contact, home_store.country, home_store.code, model, tier)
        draw = rng.random()
        if draw < 0.02:  # some customers unsubscribed at some point in the year
            start, end = window
            when = start + (end - start) * rng.random()
            if draw < 0.012:
                contact.opted_out_at = when
            else:
                contact.email_opted_out_at = when
            person.opted_out = when
        self.people.append(person)
        return person

    def _unique_email(self, given: str, family: str) -> str:
        rng = self.rng
        g, f = _ascii(given), _ascii(family)
        local = rng.choice((f"{g}.{f}", f"{g}{f}", f"{g[0]}{f}", f"{g}_{f}", f"{f}.{g}"))
        domain = rng.choice(EMAIL_DOMAINS)
        email, n = f"{local}@{domain}", 1
        while email in self.emails:
            n += 1 if n > 1 else rng.randint(1, 90)
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        return email

    def _unique_phone(self, country: Country) -> str:
        while True:
            digits = "".join(str(self.rng.randrange(10)) for _ in range(country.phone_digits))
            phone = country.phone_prefix + digits
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    # interactions

    def draw_slots(self, count: int, today: dt.date) -> list[_Slot]:
        rng = self.rng
        days = [today - dt.timedelta(days=k) for k in range(365, 0, -1)]
        kinds = list(SHARE)
        counts = {kind: int(count * SHARE[kind]) for kind in kinds}
        counts[K.STORE_PURCHASE] += count - sum(counts.values())
        slots = []
        for kind in kinds:
            weights = [_day_weight(kind, day) for day in days]
            slots += [_Slot(kind, day) for day in rng.choices(days, weights, k=counts[kind])]
        rng.shuffle(slots)
        return slots

    def place(self, slot: _Slot, window: tuple[dt.datetime, dt.datetime]) -> None:
        """Who it was, where it happened, when, and what we know about it."""
        rng = self.rng
        if self.people and rng.random() < 0.22:  # a returning customer
            person = rng.choice(self.people)
        else:
            home = rng.choices(self.stores, self.store_weights)[0]
            person = self.new_person(home, window)
        slot.person = person
        kind = slot.kind
        currency = COUNTRIES[person.country].currency
        if kind == K.STORE_PURCHASE:
            if rng.random() < 0.8:
                slot.unit = person.home_store
            else:
                slot.unit = rng.choices(self.stores, self.store_weights)[0].code
            slot.properties = self._basket(person, currency)
        elif kind == K.ONLINE_PURCHASE:
            slot.unit = BRAND_CODE
            slot.properties = {
                **self._basket(person, currency),
                "delivery": rng.choice(("home", "home", "click_and_collect")),
            }
        elif kind == K.SUPPORT_CALL:
            codes, weights = self.agents_by_language[person.contact.locale]
            slot.unit = rng.choices(codes, weights)[0]
            resolved = rng.random() < min(0.95, max(0.35, 0.72 + 0.2 * self.quality[slot.unit]))
            slot.effect = 0.0 if resolved else -0.8
            slot.properties = {
                "reason": rng.choice(CALL_REASONS),
                "duration_min": max(2, round(rng.lognormvariate(math.log(9), 0.5))),
                "resolved": resolved,
            }
        elif kind == K.REPAIR:
            codes, weights = self.centres[person.country]
            slot.unit = rng.choices(codes, weights)[0]
            typical = 4 * math.exp(-0.6 * self.quality[slot.unit])
            days = max(1, round(rng.lognormvariate(math.log(typical), 0.45)))
            slot.effect = -0.07 * (days - 4) - (0.3 if person.model == "Nimbus Fold" else 0)
            slot.properties = {
                "device": person.model,
                "repair": rng.choice(REPAIRS),
                "turnaround_days": days,
                "warranty": rng.random() < 0.6,
            }
        else:
            slot.unit = BRAND_CODE
            if kind == K.SIGN_UP:
                slot.properties = {"source": rng.choice(("app", "app", "website"))}
            elif kind == K.CONTACT_CHANGE:
                slot.properties = {"field": rng.choice(("address", "email", "phone", "payment"))}
            else:
                slot.properties = {"reason": rng.choice(CANCEL_REASONS)}
        start, end, peak = HOURS.get(kind, WEB_HOURS)
        hour = rng.triangular(start, end, peak)
        zone = person.contact.time_zone if slot.unit == BRAND_CODE else self.zones[slot.unit]
        local = dt.datetime.combine(slot.day, dt.time(0), tzinfo=self.tz[zone])
        local += dt.timedelta(hours=hour)
        slot.occurred_at = local.astimezone(dt.UTC)

    def _basket(self, person: _Person, currency: str) -> dict:
        if self.rng.random() < 0.75:
            product, price = person.model, PHONES[person.model][0]
        else:
            product = self.rng.choice(list(ACCESSORIES))
            price = ACCESSORIES[product]
        return {"product": product, "amount": price, "currency": currency}


def seed_history(
    account: Account,
    units: dict[str, Unit],
    touchpoints: dict[str, Touchpoint],
    *,
    count: int,
    rng: random.Random,
    now: dt.datetime,
) -> int:
    """A year of interactions with their invitations and answers, written in bulk.

    Steps: draw the days (weekly and seasonal volume), the contacts (new or returning) and the
    units (a store near home, an agent speaking the contact's language, a repair centre in
    their country); then, in time order, plan each invitation the way intake would (delay,
    quiet hours, opt-outs, sampling, quarantine) and draw its fate: answered (score from the
    units' latent quality, the touchpoint and the season), unanswered, or still open; insert
    everything in batches and date the rows back to when they happened.
    """
    if count <= 0:
        return 0
    h = _History(account, rng)
    today = now.astimezone(ZoneInfo(account.time_zone)).date()
    window = (now - dt.timedelta(days=365), now - dt.timedelta(days=1))
    slots = h.draw_slots(count, today)
    for slot in slots:
        h.place(slot, window)
    slots.sort(key=lambda s: s.occurred_at)
    first_day = today - dt.timedelta(days=365)

    rows: list[tuple[_Person, Interaction, Invitation, Response | None]] = []
    attribution: dict[str, dict] = {}
    units_by_id = {u.pk: u for u in units.values()}
    for n, slot in enumerate(slots, start=1):
        person, touchpoint, unit = slot.person, touchpoints[slot.kind], units[slot.unit]
        external_id = _history_id(n)
        # Ids rather than objects: setting related objects costs more than the insert itself.
        interaction = Interaction(
            account_id=account.pk,
            touchpoint_id=touchpoint.pk,
            unit_id=unit.pk,
            occurred_at=slot.occurred_at,
            external_id=external_id,
            properties=slot.properties,
            payload_hash=hashlib.sha256(external_id.encode()).hexdigest(),
        )
        send_at = rules.plan_send_at(
            occurred_at=slot.occurred_at,
            delay=touchpoint.delay,
            time_zone=person.contact.time_zone or h.zones[slot.unit],
            quiet_start=touchpoint.quiet_hours_start,
            quiet_end=touchpoint.quiet_hours_end,
        )
        expiry = dt.timedelta(days=touchpoint.expiry_days)
        invitation = Invitation(
            account_id=account.pk,
            touchpoint_id=touchpoint.pk,
            unit_id=unit.pk,
            channel=touchpoint.channel,
            token=new_token(),
            send_at=send_at,
            expires_at=send_at + expiry,
        )
        response = None
        rows.append((person, interaction, invitation, response))
        reason, detail = _suppression(person, touchpoint, external_id, send_at)
        if reason:
            invitation.state, invitation.reason, invitation.detail = (
                State.SUPPRESSED,
                reason,
                detail,
            )
            continue
        person.last_invited = max(send_at, person.last_invited or send_at)
        if send_at > now:  # a repair or parcel of the last days: the worker will send it
            continue
        delivered = touchpoint.channel in (Channel.EMAIL, Channel.SMS)
        invitation.sent_at = send_at + dt.timedelta(seconds=rng.uniform(2, 90) if delivered else 0)
        invitation.expires_at = invitation.sent_at + expiry
        invitation.state = State.SENT
        answered_at = None
        if rng.random() < RESPONSE_RATE[slot.kind]:
            wait = min(rng.lognormvariate(math.log(2 * 3600), 1.6), expiry.total_seconds() - 60)
            answered_at = invitation.sent_at + dt.timedelta(seconds=max(20, wait))
        if answered_at is not None and answered_at < now:
            invitation.state = State.ANSWERED
            progress = (slot.day - first_day).days / 365
            logit = (
                BASE[slot.kind]
                + h.quality[slot.unit]
                + TIER_EFFECT[person.tier]
                + slot.effect
                + _season(slot.kind, slot.day, progress)
            )
            score = draw_score(rng, logit)
            if slot.unit not in attribution:
                attribution[slot.unit] = attribution_for(unit, units_by_id)
            comment, answers = feedback(
                rng,
                slot.kind,
                person.contact.locale,
                score,
                unit_code=slot.unit,
                quality=h.quality[slot.unit],
                day=slot.day,
            )
            response = Response(
                account_id=account.pk,
                touchpoint_id=touchpoint.pk,
                channel=touchpoint.channel,
                score=score,
                comment=comment,
                answers=answers,
                locale=person.contact.locale,
                unit_id=unit.pk,
                unit_path=unit.path,
                attribution=attribution[slot.unit],
                answered_at=answered_at,
            )
            rows[-1] = (person, interaction, invitation, response)
        elif invitation.expires_at <= now:
            invitation.state, invitation.reason = State.EXPIRED, Reason.NOT_ANSWERED

    for person in h.people:
        person.contact.last_invited_at = person.last_invited
    with transaction.atomic():
        _write(h.people, rows)
        rollups.add_responses(account, [r for _, _, _, r in rows if r is not None])
    return len(rows)


def _write(
    people: list[_Person], rows: list[tuple[_Person, Interaction, Invitation, Response | None]]
) -> None:
    """Insert parents first, then point each child at the ids its parents were given.

    Rows are dated to when things happened rather than to when the seed ran."""
    first_seen: dict[int, dt.datetime] = {}
    for person, interaction, invitation, response in rows:
        first_seen.setdefault(id(person), interaction.occurred_at)
        interaction.created_at = interaction.occurred_at
        invitation.created_at = invitation.updated_at = interaction.occurred_at
        if response is not None:
            response.created_at = response.updated_at = response.answered_at
    for person in people:
        if id(person) in first_seen:
            person.contact.created_at = person.contact.updated_at = first_seen[id(person)]
    bulk_insert([p.contact for p in people])
    for person, interaction, _, _ in rows:
        interaction.contact_id = person.contact.pk
    bulk_insert([interaction for _, interaction, _, _ in rows])
    for person, interaction, invitation, _ in rows:
        invitation.interaction_id, invitation.contact_id = interaction.pk, person.contact.pk
    bulk_insert([invitation for _, _, invitation, _ in rows])
    responses = []
    for person, interaction, invitation, response in rows:
        if response is not None:
            response.invitation_id, response.interaction_id = invitation.pk, interaction.pk
            response.contact_id = person.contact.pk
            responses.append(response)
    bulk_insert(responses)


def _suppression(
    person: _Person, touchpoint: Touchpoint, external_id: str, send_at: dt.datetime
) -> tuple[str, str]:
    """Why intake would not have sent this survey, in the intake's order and words."""
    if person.opted_out and person.opted_out <= send_at:
        contact = person.contact
        if contact.opted_out_at or touchpoint.channel == Channel.EMAIL:
            return Reason.OPTED_OUT, f"opted out of {touchpoint.get_channel_display().lower()}"
    if not rules.in_sample(f"{touchpoint.pk}:{external_id}", touchpoint.sampling_rate):
        return Reason.SAMPLED_OUT, f"sampling rate {touchpoint.sampling_rate}"
    days = touchpoint.effective_quarantine_days
    if not rules.quarantine_allows(last_invited_at=person.last_invited, send_at=send_at, days=days):
        return Reason.QUARANTINE, (
            f"invited {person.last_invited:%Y-%m-%d}, within the {days}-day quarantine"
        )
    return "", ""


# --- live interactions through the intake -------------------------------------------------------

# (touchpoint, unit name (a team: its first agent), contact name, locale, minutes ago)
LIVE = [
    ("store-purchase", "London Oxford Street", "Olivia Bennett", "en", 4),
    ("store-purchase", "Paris Opéra", "Léa Fontaine", "fr", 9),
    ("store-purchase", "Berlin Alexanderplatz", "Jonas Becker", "de", 14),
    ("store-purchase", "Madrid Gran Vía", "Lucía Navarro", "es", 21),
    ("store-purchase", "Manchester Arndale", "Callum Reid", "en", 27),
    ("store-purchase", "Dublin Grafton Street", "Niamh Doyle", "en", 33),
    ("support-call", "CallCo Glasgow, phones", "Harriet Cole", "en", 3),
    ("support-call", "Helpwise Dublin, tier 1", "Conor Walsh", "en", 8),
    ("support-call", "Atlas Contact Casablanca", "Julien Marchand", "fr", 12),
    ("support-call", "VoxPoint Berlin", "Katharina Vogel", "de", 18),
    ("support-call", "TeleServe Lisbon, Spanish", "Pablo Serrano", "es", 24),
    ("support-call", "CallCo Belfast", "Priya Shah", "en", 30),
    ("repair", "Repair Centre London Park Royal", "George Ellis", "en", 6),
    ("repair", "Repair Centre Paris Rungis", "Chloé Garnier", "fr", 16),
    ("repair", "Repair Centre Madrid", "Martín Ortega", "es", 26),
]


def live_items(now: dt.datetime) -> list[InteractionIn]:
    """The live interactions as the intake receives them. Their external ids are fixed; their
    times are "a few minutes ago" for the run that first records them."""
    code_of, first_agent = {}, {}
    for spec in demo_tree():
        code_of.setdefault(spec.name, spec.code)
        if spec.kind == "agent":
            first_agent.setdefault(spec.parent, spec.code)
    items = []
    for n, (touchpoint, unit, name, locale, minutes) in enumerate(LIVE, start=1):
        code = code_of[unit]
        given, family = name.split(" ", 1)
        items.append(
            InteractionIn(
                external_id=f"{LIVE_PREFIX}{n:02d}",
                touchpoint=touchpoint,
                unit=first_agent.get(code, code),
                occurred_at=now - dt.timedelta(minutes=minutes),
                contact=ContactIn(
                    email=f"{_ascii(given)}.{_ascii(family)}@example.net",
                    name=name,
                    locale=locale,
                    attributes={"phone_model": "Nimbus X5", "tier": "standard"},
                ),
                properties={"source": "demo"},
            )
        )
    return items


def seed_live(account: Account, *, now: dt.datetime) -> int:
    """Record the live interactions not yet stored, through the real intake."""
    items = live_items(now)
    stored = set(
        Interaction.objects.filter(
            account=account, external_id__in=[i.external_id for i in items]
        ).values_list("external_id", flat=True)
    )
    missing = [item for item in items if item.external_id not in stored]
    if not missing:
        return 0
    result = record_interactions(account, missing)
    if not result.ok:
        raise RuntimeError(f"the demo intake was refused: {result.errors}")
    return sum(item.created for item in result.items)


def summarise(account: Account, *, history_created: int, live_created: int) -> SeedSummary:
    kinds = dict(
        Unit.objects.filter(account=account)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by("kind")
    )
    order = [k for k, _ in Unit.Kind.choices]
    states = dict(
        Invitation.objects.filter(account=account)
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by("state")
    )
    histogram = dict(
        Response.objects.filter(account=account)
        .values_list("score")
        .annotate(n=Count("pk"))
        .order_by("score")
    )
    counts = Counts.from_histogram([histogram.get(s, 0) for s in range(11)])
    return SeedSummary(
        account=account.slug,
        units={k: kinds[k] for k in order if k in kinds},
        touchpoints=Touchpoint.objects.filter(account=account).count(),
        contacts=Contact.objects.filter(account=account).count(),
        interactions=Interaction.objects.filter(account=account).count(),
        invitations=states,
        responses=counts.n,
        nps=counts.nps,
        history_created=history_created,
        live_created=live_created,
    )
