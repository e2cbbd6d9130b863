"""What the customer reads, per language. A touchpoint's `wording` overrides any key.

Placeholders: {brand} (the account), {unit} (the responsible unit's name), {name} (the
contact's name, in the greeting).
"""

from __future__ import annotations

from touchpoint.surveys.models import Touchpoint

K = Touchpoint.Kind

DEFAULTS: dict[str, dict[str, str]] = {
    "en": {
        "greeting": "Hello {name},",
        "subject": "How likely are you to recommend {brand}?",
        "question": "How likely are you to recommend {brand} to a friend or colleague?",
        "low": "Not at all likely",
        "high": "Extremely likely",
        "why": "What is the main reason for your score?",
        "why_hint": "Optional. Your words go straight to the team concerned.",
        "send": "Send my answer",
        "change": "You can change your answer until the survey closes.",
        "thanks": "Thank you for your answer!",
        "thanks_detail": "We read every comment and use it to do better.",
        "choose": "Choose a score from 0 to 10.",
        "closed": "This survey is closed",
        "closed_detail": "The link may have expired. Thank you all the same.",
        "click": "Click a number to answer. It takes a few seconds.",
        "unsubscribe": "Stop receiving surveys from {brand}",
        "unsubscribe_confirm": "Stop all survey invitations from {brand}?",
        "unsubscribe_button": "Unsubscribe",
        "unsubscribed": "You will not receive any more surveys from {brand}.",
        "footer": "You received this because of your recent contact with {brand}.",
        K.STORE_PURCHASE: "Thank you for your recent purchase at {unit}.",
        K.SUPPORT_CALL: "Thank you for calling {brand} customer support.",
        K.REPAIR: "Your device was repaired at {unit}. We hope it works like new.",
        K.SIGN_UP: "Welcome to {brand}! Thank you for signing up.",
        K.ONLINE_PURCHASE: "Thank you for your order from {brand}.",
        K.CONTACT_CHANGE: "Your contact details have been updated.",
        K.CANCELLATION: "We are sorry to see you go.",
        K.RELATIONSHIP: "You have been a {brand} customer for a while.",
    },
    "fr": {
        "greeting": "Bonjour {name},",
        "subject": "Recommanderiez-vous {brand} ?",
        "question": "Quelle est la probabilité que vous recommandiez {brand} à un ami ou un "
        "collègue ?",
        "low": "Pas du tout probable",
        "high": "Très probable",
        "why": "Quelle est la raison principale de votre note ?",
        "why_hint": "Facultatif. Vos mots vont directement à l'équipe concernée.",
        "send": "Envoyer ma réponse",
        "change": "Vous pouvez modifier votre réponse jusqu'à la clôture de l'enquête.",
        "thanks": "Merci pour votre réponse !",
        "thanks_detail": "Nous lisons chaque commentaire pour nous améliorer.",
        "choose": "Choisissez une note de 0 à 10.",
        "closed": "Cette enquête est close",
        "closed_detail": "Le lien a peut-être expiré. Merci tout de même.",
        "click": "Cliquez sur une note pour répondre. Cela prend quelques secondes.",
        "unsubscribe": "Ne plus recevoir d'enquêtes de {brand}",
        "unsubscribe_confirm": "Ne plus recevoir aucune enquête de {brand} ?",
        "unsubscribe_button": "Me désinscrire",
        "unsubscribed": "Vous ne recevrez plus d'enquêtes de {brand}.",
        "footer": "Vous recevez ce message suite à votre récent contact avec {brand}.",
        K.STORE_PURCHASE: "Merci pour votre achat récent à {unit}.",
        K.SUPPORT_CALL: "Merci d'avoir appelé le service client {brand}.",
        K.REPAIR: "Votre appareil a été réparé à {unit}.",
        K.SIGN_UP: "Bienvenue chez {brand} !",
        K.ONLINE_PURCHASE: "Merci pour votre commande chez {brand}.",
        K.CONTACT_CHANGE: "Vos coordonnées ont été mises à jour.",
        K.CANCELLATION: "Nous regrettons votre départ.",
        K.RELATIONSHIP: "Vous êtes client de {brand} depuis un moment.",
    },
    "de": {
        "greeting": "Hallo {name},",
        "subject": "Würden Sie {brand} weiterempfehlen?",
        "question": "Wie wahrscheinlich ist es, dass Sie {brand} einem Freund oder Kollegen "
        "empfehlen?",
        "low": "Überhaupt nicht wahrscheinlich",
        "high": "Äußerst wahrscheinlich",
        "why": "Was ist der wichtigste Grund für Ihre Bewertung?",
        "why_hint": "Optional. Ihre Worte gehen direkt an das zuständige Team.",
        "send": "Antwort senden",
        "change": "Sie können Ihre Antwort ändern, bis die Umfrage endet.",
        "thanks": "Vielen Dank für Ihre Antwort!",
        "thanks_detail": "Wir lesen jeden Kommentar, um besser zu werden.",
        "choose": "Wählen Sie eine Bewertung von 0 bis 10.",
        "closed": "Diese Umfrage ist geschlossen",
        "closed_detail": "Der Link ist möglicherweise abgelaufen. Trotzdem vielen Dank.",
        "click": "Klicken Sie auf eine Zahl, um zu antworten.",
        "unsubscribe": "Keine Umfragen mehr von {brand} erhalten",
        "unsubscribe_confirm": "Keine Umfragen mehr von {brand} erhalten?",
        "unsubscribe_button": "Abmelden",
        "unsubscribed": "Sie erhalten keine Umfragen mehr von {brand}.",
        "footer": "Sie erhalten diese Nachricht wegen Ihres letzten Kontakts mit {brand}.",
        K.STORE_PURCHASE: "Vielen Dank für Ihren Einkauf bei {unit}.",
        K.SUPPORT_CALL: "Vielen Dank für Ihren Anruf beim {brand} Kundendienst.",
        K.REPAIR: "Ihr Gerät wurde bei {unit} repariert.",
        K.SIGN_UP: "Willkommen bei {brand}!",
        K.ONLINE_PURCHASE: "Vielen Dank für Ihre Bestellung bei {brand}.",
        K.CONTACT_CHANGE: "Ihre Kontaktdaten wurden aktualisiert.",
        K.CANCELLATION: "Schade, dass Sie gehen.",
        K.RELATIONSHIP: "Sie sind schon eine Weile Kunde von {brand}.",
    },
    "es": {
        "greeting": "Hola {name},",
        "subject": "¿Recomendaría {brand}?",
        "question": "¿Qué probabilidad hay de que recomiende {brand} a un amigo o colega?",
        "low": "Nada probable",
        "high": "Muy probable",
        "why": "¿Cuál es el motivo principal de su puntuación?",
        "why_hint": "Opcional. Sus palabras llegan directamente al equipo responsable.",
        "send": "Enviar mi respuesta",
        "change": "Puede cambiar su respuesta hasta que se cierre la encuesta.",
        "thanks": "¡Gracias por su respuesta!",
        "thanks_detail": "Leemos cada comentario para mejorar.",
        "choose": "Elija una puntuación de 0 a 10.",
        "closed": "Esta encuesta está cerrada",
        "closed_detail": "Es posible que el enlace haya caducado. Gracias de todos modos.",
        "click": "Haga clic en un número para responder.",
        "unsubscribe": "No recibir más encuestas de {brand}",
        "unsubscribe_confirm": "¿Dejar de recibir encuestas de {brand}?",
        "unsubscribe_button": "Darme de baja",
        "unsubscribed": "No recibirá más encuestas de {brand}.",
        "footer": "Recibe este mensaje por su contacto reciente con {brand}.",
        K.STORE_PURCHASE: "Gracias por su compra reciente en {unit}.",
        K.SUPPORT_CALL: "Gracias por llamar al servicio de atención de {brand}.",
        K.REPAIR: "Su dispositivo fue reparado en {unit}.",
        K.SIGN_UP: "¡Bienvenido a {brand}!",
        K.ONLINE_PURCHASE: "Gracias por su pedido en {brand}.",
        K.CONTACT_CHANGE: "Sus datos de contacto se han actualizado.",
        K.CANCELLATION: "Lamentamos que se vaya.",
        K.RELATIONSHIP: "Es cliente de {brand} desde hace tiempo.",
    },
}
SUPPORTED = tuple(DEFAULTS)


def language_for(*candidates: str) -> str:
    """The first candidate locale we have wording for ("pt-BR" falls back to "pt"), else en."""
    for locale in candidates:
        if not locale:
            continue
        lang = locale.replace("_", "-").split("-")[0].lower()
        if lang in DEFAULTS:
            return lang
    return "en"


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def defaults_for(lang: str) -> dict[str, str]:
    """The built-in texts of one language, English where it has none."""
    return {**DEFAULTS["en"], **DEFAULTS.get(lang, {})}


def wording_for(
    touchpoint: Touchpoint, lang: str, *, brand: str, unit: str, name: str = ""
) -> dict[str, str]:
    """All texts for one survey in one language, overrides applied, placeholders filled."""
    texts = defaults_for(lang)
    overrides = touchpoint.wording.get(lang) or {}
    texts.update({k: v for k, v in overrides.items() if isinstance(v, str)})
    values = _Keep(brand=brand, unit=unit, name=name)
    out = {key: text.format_map(values) for key, text in texts.items()}
    if not name:
        out["greeting"] = ""
    out["context"] = out.get(touchpoint.kind, "")
    return out
