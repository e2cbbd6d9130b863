"""The starter taxonomy of a smartphone brand: each theme's names and example phrases.

The example phrases are what the matcher looks for, stemmed ("queue" also finds "queued",
"queuing"). A phrase written "de: Warteschleife" is used for German comments only; one without
a language code for comments in any language. A word with `*` matches by its letters:
`warte*` finds "Warteschleife" and "Wartezeit". `touchpoint.analysis.starter` creates these
themes for an account, which then edits them freely.
"""

from __future__ import annotations

THEMES: dict[str, dict] = {
    "battery": {
        "names": {"en": "Battery", "de": "Akku", "es": "Batería", "fr": "Batterie", "hi": "बैटरी"},
        "examples": {
            "en": "battery, charging*, charger, charge lasts, lasts all day, drains, dies by",
            "de": "akku*, *akku, laden, ladegerät, ladekabel, hält den ganzen tag",
            "es": "batería, cargador, cargar, dura todo el día, se agota, no me dura",
            "fr": "batterie, chargeur, charge, tient la journée, se vide",
            "hi": "बैटरी, चार्जर, चार्जिंग",
        },
    },
    "screen": {
        "names": {"en": "Screen", "de": "Display", "es": "Pantalla", "fr": "Écran", "hi": "स्क्रीन"},
        "examples": {
            "en": "screen, display, touchscreen, dead pixel, screen protector",
            "de": "display*, *display, bildschirm, schutzfolie, pixelfehler",
            "es": "pantalla, protector de pantalla, píxel",
            "fr": "écran, film de protection, pixel",
            "hi": "स्क्रीन, डिस्प्ले, पिक्सेल",
        },
    },
    "waiting": {
        "names": {
            "en": "Waiting",
            "de": "Wartezeit",
            "es": "Espera",
            "fr": "Attente",
            "hi": "इंतज़ार",
        },
        "examples": {
            "en": """wait, waited, waiting time, queue, queued, queuing, in line, long line,
                on hold, hold music, be served,
                served straight away, seen straight away, get through, got through,
                reach a person, reach a human, in and out, very busy""",
            "de": "warte*, gewartet, schlange, angestanden, bedient, kasse",
            "es": "esperar, esperando, espera, esperé, cola, me atendieron, en espera, esperas",
            "fr": "attendre, attente, attendu, file, pris en charge, au bout du fil",
            "hi": "इंतज़ार, लाइन, कतार, होल्ड, भीड़",
        },
    },
    "staff": {
        "names": {
            "en": "Staff",
            "de": "Personal",
            "es": "Personal",
            "fr": "Personnel",
            "hi": "स्टाफ़",
        },
        "examples": {
            "en": """staff, assistant, salesman, saleswoman, salesperson, agent, advisor,
                adviser, employee, team, technician, the person, the guy, the lad, the lady,
                rude, friendly, helpful, polite, patient, knowledgeable, knew the phones,
                knew their stuff, someone who listened, transferred, passed from,
                took ownership, took responsibility, from a script, scripted, pushy,
                dismissive, no idea how, could explain, explained everything, explained what,
                explained clearly""",
            "de": """personal, mitarbeiter, mitarbeiterin, verkäufer, verkäuferin, berater,
                beraterin, beratung, techniker, freundlich, unfreundlich, kompetent, geduldig,
                hilfsbereit, keine ahnung, weitergeleitet, weiterverbunden, zuständig,
                aufdringlich""",
            "es": """personal, dependiente, dependienta, empleado, empleada, agente, asesor,
                asesora, asesoramiento, técnico, teleoperadora, teleoperador, la chica,
                el chico, amable, antipático, maleducado, atento, paciencia, competente,
                me pasaron, departamento, explicó""",
            "fr": """personnel, vendeur, vendeuse, conseiller, conseillère, technicien,
                équipe, accueil, aimable, désagréable, compétent, compétente, patient,
                patients, baladé, expliqué""",
            "hi": """स्टाफ़, कर्मचारी, सेल्समैन, एजेंट, तकनीशियन, महिला, व्यवहार, विनम्र,
                बदतमीज़, मददगार, जानकार, ट्रांसफ़र, विभाग, समझाया""",
        },
    },
    "repair_time": {
        "names": {
            "en": "Repair time",
            "de": "Reparaturdauer",
            "es": "Tiempo de reparación",
            "fr": "Délai de réparation",
            "hi": "मरम्मत का समय",
        },
        "examples": {
            "en": """repair took, to repair, the repair was quick, without my phone,
                without a phone, turnaround, back within, returned within, repaired and back,
                repaired and returned, fixed and returned, fixed in, replaced in,
                fitted the same day, quicker than i expected, longer than quoted, longer than
                they said, waiting for my phone, done quickly, weeks and counting, lost my phone
                for""",
            "de": """reparatur hat, ohne handy, in zwei tagen getauscht, nach drei tagen
                repariert, schnelle reparatur, reparatur dauerte, für einen displaytausch,
                länger gedauert als gesagt, in weniger als einer woche erledigt""",
            "es": """reparación tardó, sin móvil, para cambiar una pantalla, cambiada en dos
                días, reparación rápida, reparado y devuelto, tardaron muchísimo, tardaron más,
                para una reparación, semanas esperando""",
            "fr": """réparation plus longue, sans téléphone, pour changer un écran, remplacé en
                deux jours, réparation rapide, réparé et renvoyé, mois de réparation,
                semaines que j'attends, en moins d'une semaine""",
            "hi": """बदलने में, दिन में ठीक, मरम्मत में, बताए समय से, हफ़्ते से इंतज़ार, हफ़्ते बिना
                फ़ोन, हफ़्ते से पहले""",
        },
    },
    "repair_quality": {
        "names": {
            "en": "Repair quality",
            "de": "Reparaturqualität",
            "es": "Calidad de la reparación",
            "fr": "Qualité de la réparation",
            "hi": "मरम्मत की गुणवत्ता",
        },
        "examples": {
            "en": """same fault, same problem, same issue, sent back with, came back with,
                stopped responding, stopped working after, since the repair, not fixed,
                works again, works perfectly again, excellent repair, scratches that weren't,
                gap around""",
            "de": "demselben fehler, gleichen fehler, seit der reparatur, gut repariert",
            "es": "misma avería, mismo problema, desde la reparación",
            "fr": "même panne, même problème, depuis la réparation",
            "hi": "उसी ख़राबी, मरम्मत के बाद",
        },
    },
    "price": {
        "names": {"en": "Price", "de": "Preis", "es": "Precio", "fr": "Prix", "hi": "दाम"},
        "examples": {
            "en": """price, pricey, expensive, overpriced, cheap, cheaper, value for money,
                quote, welcome offer, discount, cheaper deal, better deal""",
            "de": """preis, teuer, teurer, günstig, günstiger, überteuert, kostenvoranschlag,
                willkommensrabatt, rabatt, tarif""",
            "es": "precio, caro, carísimo, barato, más barata, tarifa, presupuesto, descuento",
            "fr": "prix, cher, moins cher, tarif, devis, remise",
            "hi": "दाम, क़ीमत, महंगा, सस्ता, डिस्काउंट, प्लान",
        },
    },
    "billing": {
        "names": {
            "en": "Billing",
            "de": "Rechnung",
            "es": "Facturación",
            "fr": "Facturation",
            "hi": "बिलिंग",
        },
        "examples": {
            "en": """bill, billing, invoice, charged*, overcharge, refund, payment, card machine,
                final balance, admin fee, hidden charges, hidden fees""",
            "de": """rechnung, abgebucht, abbuchung, belastet, gutschrift, erstattet, zahlung,
                versandkosten, schlussrechnung""",
            "es": """factura, cobraron, cobrando, cobro, cargo indebido, devolvieron el cargo,
                reembolso, pago, gastos de envío, cobrar""",
            "fr": """facture, facturé, débité, prélevé, prélèvement, remboursé, remboursement,
                trop-perçu, paiement, frais""",
            "hi": "बिल, पैसे कट, पैसे ले लिए, पैसे लौटा, भुगतान",
        },
    },
    "stock": {
        "names": {
            "en": "Stock",
            "de": "Verfügbarkeit",
            "es": "Disponibilidad",
            "fr": "Stock",
            "hi": "स्टॉक",
        },
        "examples": {
            "en": """in stock, out of stock, sold out, unavailable, not available, didn't have,
                the colour i wanted, the model i wanted, reserved""",
            "de": "vorrätig, ausverkauft, verfügbar, gab es nicht, die farbe",
            "es": "existencias, agotado, sin stock, no tenían, disponible, el color",
            "fr": "rupture, en stock, disponible, la couleur, réassort",
            "hi": "स्टॉक, उपलब्ध, रंग",
        },
    },
    "callback": {
        "names": {
            "en": "Callback",
            "de": "Rückruf",
            "es": "Devolución de llamada",
            "fr": "Rappel",
            "hi": "वापस कॉल",
        },
        "examples": {
            "en": "call back, called back, callback, called me back, rang me back, never called",
            "de": "rückruf, zurückgerufen, zurückrufen",
            "es": """quedaron en llamarme, me llamarían, devolvieron la llamada, volvió a llamar,
                me llamaron cuando, nunca llamaron, nadie me ha llamado, nadie me llamó""",
            "fr": "rappeler, rappelé, rappel",
            "hi": "वापस कॉल, वापस फ़ोन",
        },
    },
    "delivery": {
        "names": {
            "en": "Delivery",
            "de": "Lieferung",
            "es": "Entrega",
            "fr": "Livraison",
            "hi": "डिलीवरी",
        },
        "examples": {
            "en": """delivery, delivered, parcel, courier, driver, shipping, arrived, click and
                collect, neighbour, next day, return process, wrong colour, packaging""",
            "de": """lieferung, geliefert, paket, kurier, paketbote, zugestellt, versand,
                angekommen, click collect, rücksendung, karton""",
            "es": """entrega, envío, pedido llegó, paquete, mensajero, repartidor, llegó,
                recogida en tienda, devolución, caja""",
            "fr": """livraison, livré, colis, transporteur, livreur, arrivé, reçu, retrait en
                magasin, retour, carton""",
            "hi": "डिलीवरी, पार्सल, कूरियर, डिब्बा, पिकअप",
        },
    },
    "updates": {
        "names": {
            "en": "Keeping customers informed",
            "de": "Information",
            "es": "Información",
            "fr": "Information",
            "hi": "जानकारी",
        },
        "examples": {
            "en": """updates, updated, kept me informed, tracking, status page, communication,
                confirmation email, no idea where, told me, by text, email a summary""",
            "de": """informiert, auf dem laufenden, sendungsverfolgung, rückmeldung, information,
                sagt mir, nachfragen, per sms""",
            "es": """informado, seguimiento, sin noticias, sin saber nada, me avisaron,
                nadie me dice, por sms""",
            "fr": "informé, tenu informé, suivi, aucune nouvelle, personne ne me dit, par sms",
            "hi": "जानकारी, ख़बर, ट्रैकिंग, मैसेज, एसएमएस, कोई कुछ नहीं बताता",
        },
    },
    "app_website": {
        "names": {
            "en": "App and website",
            "de": "App und Webseite",
            "es": "App y web",
            "fr": "Appli et site",
            "hi": "ऐप और वेबसाइट",
        },
        "examples": {
            "en": """app, website, site, checkout, sign up, signing up, registration, register,
                verification code, verification email, code, password, login, logged out,
                account, captcha, form, discount code, crashed, error message, settings page""",
            "de": """app*, webseite, seite, registrierung, anmeldung, bestätigungscode, code,
                passwort, konto, abgemeldet, formular, gutscheincode, fehlermeldung,
                abgestürzt""",
            "es": """aplicación, app, web, página, registro, código, contraseña, cuenta, sesión,
                formulario, captcha, se colgaba""",
            "fr": """application, appli, site, inscription, code, mot de passe, compte,
                connexion, déconnecte, formulaire, captcha, planté""",
            "hi": """ऐप, वेबसाइट, रजिस्ट्रेशन, साइन अप, कोड, पासवर्ड, खाता, लॉग आउट, लॉगिन,
                कैप्चा, फ़ॉर्म, एरर, क्रैश""",
        },
    },
    "coverage": {
        "names": {
            "en": "Network coverage",
            "de": "Netzabdeckung",
            "es": "Cobertura",
            "fr": "Couverture réseau",
            "hi": "नेटवर्क",
        },
        "examples": {
            "en": "signal, coverage, network, reception",
            "de": "empfang, netz, netzabdeckung",
            "es": "cobertura, señal",
            "fr": "réseau, couverture",
            "hi": "नेटवर्क, सिग्नल, कवरेज",
        },
    },
    "contract": {
        "names": {
            "en": "Contract and cancelling",
            "de": "Vertrag und Kündigung",
            "es": "Contrato y baja",
            "fr": "Contrat et résiliation",
            "hi": "अनुबंध",
        },
        "examples": {
            "en": """cancel, cancelling, cancellation, contract, notice period, retention
                offers, hard to leave, hard as possible to leave, locked into, guilt-trip""",
            "de": """kündigung, kündigen, gekündigt, vertrag, kündigungsfrist,
                kündigungsgebühr, überredungsversuche""",
            "es": "baja, contrato, permanencia, penalización, preaviso, trabas",
            "fr": "résiliation, résilier, résilié, contrat, préavis, fidélisation, engagé",
            "hi": "कनेक्शन बंद, बंद करवाना, कॉन्ट्रैक्ट, नोटिस पीरियड, कैंसिलेशन",
        },
    },
    "data_transfer": {
        "names": {
            "en": "Data transfer",
            "de": "Datenübertragung",
            "es": "Traspaso de datos",
            "fr": "Transfert de données",
            "hi": "डेटा ट्रांसफ़र",
        },
        "examples": {
            "en": """data, data transfer, transferred everything, transferred all, moved all my,
                copied everything, photos, contacts, whatsapp, wiped, settings were reset,
                esim""",
            "de": "daten, übertragen, datenübertragung, kontakte, fotos, gelöscht, eingerichtet",
            "es": "datos, fotos, contactos, borraron, whatsapps",
            "fr": "données, transféré, transfert, photos, contacts, effacé",
            "hi": "डेटा, फ़ोटो, कॉन्टैक्ट, मिटा, ट्रांसफ़र",
        },
    },
    "trade_in": {
        "names": {
            "en": "Trade-in",
            "de": "Inzahlungnahme",
            "es": "Recompra",
            "fr": "Reprise",
            "hi": "एक्सचेंज",
        },
        "examples": {
            "en": "trade-in, trade in, traded in, for my old phone, for my old handset",
            "de": "inzahlungnahme, eintausch, altes gerät, altes handy",
            "es": "recompra, tasación, móvil viejo, móvil antiguo",
            "fr": "reprise, ancien téléphone, ancien mobile",
            "hi": "एक्सचेंज, पुराने फ़ोन",
        },
    },
    "warranty": {
        "names": {
            "en": "Warranty",
            "de": "Garantie",
            "es": "Garantía",
            "fr": "Garantie",
            "hi": "वारंटी",
        },
        "examples": {
            "en": "warranty, guarantee",
            "de": "garantie, garantiefall, gewährleistung",
            "es": "garantía",
            "fr": "garantie",
            "hi": "वारंटी, गारंटी",
        },
    },
}


def examples(key: str) -> list[str]:
    """The theme's example phrases, each marked with its language ("de: akku*")."""
    out = []
    for language, text in THEMES[key]["examples"].items():
        for phrase in text.replace("\n", " ").split(","):
            if phrase.strip():
                out.append(f"{language}: {' '.join(phrase.split())}")
    return out


def starter_themes() -> list[tuple[str, list[str]]]:
    """(key, example phrases) for every starter theme, in a stable order."""
    return [(key, examples(key)) for key in THEMES]
