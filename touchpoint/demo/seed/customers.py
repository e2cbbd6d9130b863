"""The demo's customers: names by country, languages, currencies, phone numbers, the phones
they own and their loyalty tiers."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

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


def person_name(rng: random.Random, pool: str) -> str:
    first, last = NAMES[pool]
    return f"{rng.choice(first)} {rng.choice(last)}"


def ascii_fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())
