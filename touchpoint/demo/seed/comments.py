"""What the demo's customers write: comments per touchpoint kind and language, by score."""

from __future__ import annotations

import random

from touchpoint.surveys.models import Touchpoint

K = Touchpoint.Kind

# One pool per touchpoint kind in English and per group of kinds in French, German and Spanish;
# "+" lines go with promoters, "=" with passives, "-" with detractors.


def _pool(text: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"promoter": [], "passive": [], "detractor": []}
    group = {"+": "promoter", "=": "passive", "-": "detractor"}
    for line in text.strip().splitlines():
        out[group[line[0]]].append(line[1:].strip())
    return out


COMMENTS: dict[tuple[str, str], dict[str, list[str]]] = {
    (K.STORE_PURCHASE, "en"): _pool("""
+ Really helpful staff, they moved all my photos and contacts across before I left.
+ In and out in fifteen minutes with my new Nimbus X5. Brilliant.
+ The assistant knew the phones inside out and didn't push the most expensive one.
+ Great store, clean and calm, and nobody rushed me.
+ They matched the online price without any fuss.
+ Lovely service, they even put the screen protector on for free.
+ Very patient with my mum, explained everything twice.
+ Quick, friendly and honest advice. Will be back.
+ Best phone shop experience I've had in years.
+ Staff were knowledgeable about the trade-in and I got a fair price.
+ Easy to book an appointment and they were ready when I arrived.
+ Fantastic help setting up my eSIM, which I was dreading.
+ Friendly team, good demo phones to try out.
+ Everything was explained clearly, no hidden extras.
= Fine, got what I came for.
= The staff were nice but I had to wait a while to be served.
= Decent service, a bit pricey compared to online.
= OK experience. The store was very busy.
= Good phone, the shop itself was nothing special.
= They didn't have the colour I wanted, so I settled for black.
= Helpful enough, but the set-up took longer than promised.
= Payment was slow because the card machine kept failing.
= Nothing to complain about, nothing amazing either.
= Would have liked more information about the insurance options.
= Had to come back the next day for the case I ordered.
= Staff were polite but seemed to be in a hurry.
- Waited 40 minutes and nobody acknowledged me.
- The assistant was more interested in selling insurance than answering my questions.
- They lost my data during the transfer and just shrugged.
- Out of stock again, third visit this month.
- Rude staff, I won't be going back to this store.
- The trade-in value quoted online was cut in half in the store.
- Queue out of the door and only one person on the tills.
- They sold me the wrong charger and refused to swap it.
- The store was a mess and the demo phones didn't work.
- Nobody could explain the difference between the plans.
- I was charged twice and it took ages to sort out.
- Promised a call back about my order and never heard anything.
- Pushy sales tactics, I felt pressured into buying accessories.
- The phone had a scratch on the screen and they wouldn't exchange it in store.
"""),
    (K.ONLINE_PURCHASE, "en"): _pool("""
+ Ordered in the evening, delivered the next morning. Impressive.
+ Checkout was quick and the tracking updates were spot on.
+ Beautiful packaging and the phone was ready to go out of the box.
+ Click and collect worked perfectly, it was waiting for me.
+ The website made comparing models really easy.
+ Delivery slot was respected to the minute.
+ Trade-in through the website was straightforward and paid quickly.
+ Very smooth from order to delivery.
+ Good price and free next-day delivery.
+ Easy ordering, good communication throughout.
+ The chat helped me choose the right storage size.
+ Loved that I could pay in instalments at checkout.
+ Arrived a day earlier than expected!
+ Simple, fast, no problems at all.
= Delivery was fine but I had to stay in all day.
= The website was a bit slow at checkout.
= Great phone, but the delivery took a day longer than promised.
= Okay, although the order confirmation email went to spam.
= Couldn't apply my discount code, had to contact support.
= Good overall, but the tracking link didn't work.
= Box arrived slightly dented, phone was fine.
= Average experience, nothing to highlight.
= Would be nice to choose a delivery time window.
= The courier left it with a neighbour without telling me.
= The accessories came in a separate parcel days later.
= Fine, but the trade-in instructions were confusing.
- Parcel marked as delivered but never arrived.
- Four days late and no one could tell me where it was.
- I was charged but the order was cancelled without explanation.
- Received the wrong colour and the return process is a nightmare.
- The website crashed twice during payment.
- Trade-in value was cut after they received my old phone.
- Delivery driver was rude and refused to bring it to the door.
- The phone arrived with a dead battery and a missing charger cable.
- No updates at all after ordering, I had to chase three times.
- Refund still not received after three weeks.
- Click and collect order wasn't ready when I arrived.
- Discount advertised on the homepage didn't apply at checkout.
- Box had been opened and resealed. Not acceptable.
- Slow delivery and no apology.
"""),
    (K.SUPPORT_CALL, "en"): _pool("""
+ The agent solved my problem in five minutes. Excellent.
+ Very patient and friendly, talked me through the update step by step.
+ Fixed my billing issue and refunded the extra charge straight away.
+ Short wait and the person I spoke to really knew their stuff.
+ She stayed on the line until everything worked.
+ Clear explanation and a follow-up email with the steps. Perfect.
+ Finally someone who listened and didn't read from a script.
+ Sorted out my network settings, signal is back to normal.
+ Great support, polite and efficient.
+ The agent arranged a replacement without any argument.
+ Quick answer to a simple question, that's all I wanted.
+ Helpful and kind, even though I was quite frustrated.
+ Resolved on the first call, which never happens with other brands.
+ He called me back exactly when he said he would.
= Problem solved in the end, but I was on hold for 20 minutes.
= The agent was nice but had to transfer me twice.
= Got an answer but not really the one I hoped for.
= Okay call, the hold music was painful though.
= It took a while to verify my identity.
= Partly solved, I still need to go to a store.
= Friendly, but I had to explain my issue three times.
= Fine. The callback came a day later than promised.
= The line was bad and I struggled to hear the agent.
= Decent, but the menu before reaching a person is confusing.
= Helpful, though the fix only worked for a few days.
= They said they'd email a summary, still waiting.
- Kept on hold for 45 minutes then the call dropped.
- The agent had no idea how to fix it and just told me to reset the phone.
- Transferred four times and nobody took ownership.
- Rude and dismissive, I felt like a nuisance.
- Promised a refund that never came.
- Same issue for the third time and still no solution.
- The agent hung up on me.
- Scripted answers, no real help at all.
- I was told my warranty didn't cover it, which is not true.
- Couldn't understand what I was being asked to do.
- They closed my ticket without fixing anything.
- Long wait, short answer, problem still there.
- Impossible to reach a human being.
- Gave me the wrong information and I lost my data because of it.
"""),
    (K.REPAIR, "en"): _pool("""
+ Screen replaced in two days and the phone looks brand new.
+ Fast turnaround and they kept me updated by text at every step.
+ Battery replaced, my phone lasts all day again. Thank you!
+ Collected by courier, repaired and back within the week.
+ The repair was free under warranty and done quickly.
+ Very professional, they even cleaned the phone.
+ Quicker than I expected and nothing was lost from my data.
+ Clear quote up front, no surprises on the bill.
+ Excellent repair, the camera works perfectly again.
+ Brilliant service, I got a loan phone while mine was away.
+ Charging port fixed, works like new.
+ Friendly technician explained what went wrong.
+ Back in 48 hours as promised.
+ Smooth process from booking to collection.
= Repair was fine but took longer than quoted.
= Works again, but there's a small gap around the new screen.
= Good repair, the booking process was clunky.
= Took a week and a half, but the result is fine.
= Okay, though I had to chase for an update.
= The repair was fine, the courier packaging was flimsy.
= Phone is fixed but all my settings were reset.
= Reasonable price, slow service.
= Had to send it twice but it works now.
= The status page didn't update, so I never knew where it was.
= Fixed, but I was without a phone for too long.
= No loan phone was offered, which was a pain.
- Three weeks without my phone and no updates.
- Sent back with the same fault.
- They wiped my phone without asking.
- Charged me for water damage that wasn't there.
- The new screen stopped responding after two days.
- Phone came back with scratches that weren't there before.
- Nobody answers the phone at the repair centre.
- Lost my phone for ten days, then found it on a shelf.
- Quote doubled after they opened it up.
- Warranty repair refused for a manufacturing fault.
- The replacement battery is worse than the old one.
- Repair took a month, completely unacceptable.
- Missed collection twice and I had to take time off work.
- Face unlock no longer works since the repair.
"""),
    (K.SIGN_UP, "en"): _pool("""
+ Signing up took less than a minute.
+ Really simple, the app guided me through everything.
+ Loved the welcome offer.
+ Easy registration and the account was ready straight away.
+ Clean and simple, no unnecessary questions.
+ Quick verification by text message, very smooth.
+ Great first impression of the app.
+ Smooth and fast, exactly as it should be.
+ The tips after signing up were actually useful.
+ Linking my device was effortless.
+ Nice design, intuitive.
+ Straightforward and secure.
+ Good that I could sign in with my existing email.
= Fine, a bit too many marketing opt-ins to untick.
= It worked, but the password rules were annoying.
= Okay, the verification email took a few minutes.
= Decent, though I'm not sure what the membership gives me.
= Registration was fine, the app is a bit slow.
= The form lost my details once when I switched apps.
= Average, nothing special.
= Had to try twice because the code expired.
= Could be simpler.
= Fine on the website, the app version was clunky.
= I expected a welcome discount.
= Asked for my address twice.
- The verification code never arrived.
- Error message at the last step and no explanation.
- Too many personal questions just to register a phone.
- I created an account and now get emails every day.
- Couldn't sign up with my work email address.
- The app crashed three times during registration.
- Way too complicated for what it is.
- The captcha was impossible.
- My account was created twice and I can't merge them.
- I had to call support to finish signing up.
- The terms and conditions were ridiculous.
- Password reset loop, gave up.
- Still waiting for the activation email.
- Slow and buggy.
"""),
    (K.CONTACT_CHANGE, "en"): _pool("""
+ Updated my address online in seconds.
+ Easy to change my email, confirmation came immediately.
+ Very simple, no need to call anyone.
+ Changed my phone number without any hassle.
+ Straightforward, the new details showed up straight away.
+ Quick and secure, appreciated the confirmation text.
+ Exactly what I needed, no fuss.
+ Easy to find the settings page.
+ Much simpler than with my previous provider.
+ Helpful store staff updated everything for me.
+ Clear and quick.
+ Worked first time.
+ Smooth, and the confirmation arrived at once.
= It worked, but I had to search for the right page.
= Took a day to update everywhere.
= Fine, though the confirmation email was confusing.
= Okay, had to log in again twice.
= My old address still appears on some invoices.
= Not difficult, not easy either.
= Had to verify my identity twice.
= Fine, but why is this survey necessary?
= The form didn't accept my flat number format.
= It took two attempts.
= Reasonable.
= The change took effect later than expected.
- My new address wasn't saved and my order went to the old one.
- Impossible to change my email without calling support.
- I was locked out of my account after changing my phone number.
- The change didn't go through and nobody told me.
- Had to send ID documents just to change my address.
- Still getting mail at my old address months later.
- Support changed the wrong details.
- The website kept giving an error.
- Why does it take three days to change an email address?
- They changed my billing details and my payment failed.
- No confirmation, no idea if it worked.
- I was charged an admin fee for updating my details.
- Terrible experience for something so simple.
- Had to visit a store to change a phone number.
"""),
    (K.CANCELLATION, "en"): _pool("""
+ Cancelling was easy and nobody tried to guilt-trip me.
+ Clear and respectful process, I'd come back.
+ Quick cancellation and the final bill was correct.
+ They reminded me of my trade-in options, which was helpful.
+ Simple online cancellation, thank you.
+ Staff were understanding, I'm only leaving because I'm moving abroad.
+ No hidden fees, very fair.
+ Great brand, I just don't need a second line any more.
+ Easy, and they confirmed everything by email.
+ Painless.
= Fine, but I had to call to cancel, couldn't do it online.
= It was okay, the retention offer came too late.
= Process was clear, price was the reason I left.
= Neither good nor bad.
= The final bill took a while to arrive.
= Had to return the router by post, a bit of a hassle.
= Okay, but I had to explain my reasons three times.
= Cancellation fine, the phone is still good.
= I'm leaving for a cheaper plan, nothing personal.
= Took a few days to confirm.
= Reasonable, though the notice period is long.
= Moving to a provider with better coverage where I live.
- They made it as hard as possible to leave.
- Charged me after I had cancelled.
- Twenty minutes of retention offers before they would cancel.
- Prices kept going up, that's why I'm leaving.
- Coverage is terrible where I live.
- Nobody could tell me my final balance.
- I was transferred five times just to cancel.
- The cancellation fee was never mentioned when I signed up.
- Still receiving bills a month after cancelling.
- Customer service has got worse every year.
- I asked to cancel in store and they told me to call.
- My cancellation request was ignored twice.
- Poor value for money.
- Too many problems with my phone and no real help.
- Locked into a contract I didn't understand.
- Leaving after five years because nobody listens.
- They kept my deposit.
- Hidden charges on every bill.
"""),
    ("store", "fr"): _pool("""
+ Vendeur très sympathique, il a transféré toutes mes données avant que je parte.
+ Rapide et efficace, je suis ravie de mon nouveau Nimbus.
+ Livraison le lendemain, rien à redire.
+ Bons conseils, sans pousser à acheter le plus cher.
= Correct, mais beaucoup d'attente en caisse.
= Bien, sans plus.
= Le colis est arrivé avec un jour de retard.
- Quarante minutes d'attente et personne pour m'aider.
- Le téléphone avait une rayure et l'échange a été refusé.
- Vendeur désagréable, je ne reviendrai pas.
- Colis indiqué livré mais jamais reçu.
"""),
    ("store", "de"): _pool("""
+ Sehr freundliche Beratung, alles wurde direkt eingerichtet.
+ Schnell und unkompliziert, gerne wieder.
+ Die Bestellung kam schon am nächsten Tag an.
+ Kompetente Mitarbeiter, ehrliche Beratung.
= In Ordnung, aber lange Wartezeit an der Kasse.
= Ganz okay, nichts Besonderes.
= Die Lieferung hat einen Tag länger gedauert.
- 40 Minuten gewartet und niemand hat sich um mich gekümmert.
- Das Gerät hatte einen Kratzer und wurde nicht umgetauscht.
- Unfreundliches Personal, nie wieder.
- Paket als zugestellt markiert, aber nie angekommen.
"""),
    ("store", "es"): _pool("""
+ El dependiente fue muy amable y me pasó todos los datos al móvil nuevo.
+ Rápido y sin complicaciones, muy contenta.
+ El pedido llegó al día siguiente.
+ Buen asesoramiento, sin presiones.
= Bien, pero tuve que esperar bastante en la cola.
= Correcto, nada especial.
= El envío tardó un día más de lo previsto.
- Esperé cuarenta minutos y nadie me atendió.
- El móvil venía rayado y no me lo cambiaron.
- Personal muy antipático, no vuelvo.
- El paquete figura como entregado pero nunca llegó.
"""),
    ("support", "fr"): _pool("""
+ Problème réglé en cinq minutes, merci !
+ Conseillère patiente et très claire.
+ Remboursement fait immédiatement, parfait.
= Problème résolu, mais vingt minutes d'attente.
= Transféré deux fois avant d'avoir la bonne personne.
= Bien, mais je dois quand même passer en boutique.
- Une heure d'attente puis l'appel a coupé.
- Le conseiller ne connaissait pas le produit.
- Toujours le même problème après trois appels.
- On m'a raccroché au nez.
"""),
    ("support", "de"): _pool("""
+ Problem in fünf Minuten gelöst, super!
+ Sehr geduldiger Mitarbeiter, alles gut erklärt.
+ Die Gutschrift kam sofort, vielen Dank.
= Gelöst, aber 20 Minuten Warteschleife.
= Zweimal weiterverbunden, dann ging es.
= Freundlich, aber ich muss trotzdem in den Laden.
- 45 Minuten Warteschleife, dann war die Verbindung weg.
- Der Mitarbeiter hatte keine Ahnung.
- Dreimal angerufen, Problem immer noch nicht gelöst.
- Einfach aufgelegt. Unmöglich.
"""),
    ("support", "es"): _pool("""
+ Me lo solucionaron en cinco minutos, genial.
+ La agente fue muy paciente y clara.
+ Me devolvieron el cargo al momento.
= Resuelto, pero con veinte minutos de espera.
= Me pasaron dos veces de departamento.
= Amables, pero tengo que ir a la tienda igualmente.
- Cuarenta y cinco minutos en espera y se cortó la llamada.
- El agente no sabía nada del producto.
- Tercera llamada y el problema sigue igual.
- Me colgaron sin más.
"""),
    ("repair", "fr"): _pool("""
+ Écran remplacé en deux jours, comme neuf.
+ Réparation rapide et gratuite sous garantie.
+ Batterie changée, mon téléphone tient enfin la journée.
= Réparé, mais plus long que prévu.
= Correct, mais aucun téléphone de prêt.
- Trois semaines sans téléphone et aucune nouvelle.
- Renvoyé avec la même panne.
- Ils ont effacé toutes mes données sans prévenir.
"""),
    ("repair", "de"): _pool("""
+ Display in zwei Tagen getauscht, wie neu.
+ Schnelle Reparatur, kostenlos auf Garantie.
+ Neuer Akku, das Handy hält wieder den ganzen Tag.
= Repariert, aber es hat länger gedauert als versprochen.
= In Ordnung, aber kein Leihgerät.
- Drei Wochen ohne Handy und keine Rückmeldung.
- Mit demselben Fehler zurückgekommen.
- Alle Daten gelöscht, ohne zu fragen.
"""),
    ("repair", "es"): _pool("""
+ Pantalla cambiada en dos días, como nuevo.
+ Reparación rápida y gratis por garantía.
+ Batería nueva, por fin me dura todo el día.
= Reparado, pero tardaron más de lo prometido.
= Bien, pero no me dieron móvil de sustitución.
- Tres semanas sin móvil y sin noticias.
- Me lo devolvieron con la misma avería.
- Borraron todos mis datos sin avisar.
"""),
    ("digital", "fr"): _pool("""
+ Inscription en une minute, très simple.
+ Modification de mon adresse en quelques secondes.
+ Application claire et intuitive.
= Ça marche, mais le code de vérification a mis du temps à arriver.
= Correct, un peu trop de questions.
- Le code de vérification n'est jamais arrivé.
- Impossible de changer mon e-mail sans appeler le service client.
- L'application a planté trois fois.
"""),
    ("digital", "de"): _pool("""
+ Registrierung in einer Minute, ganz einfach.
+ Adresse in Sekunden geändert.
+ Übersichtliche und intuitive App.
= Hat funktioniert, aber der Bestätigungscode kam spät.
= Okay, etwas zu viele Fragen.
- Der Bestätigungscode kam nie an.
- E-Mail-Adresse ändern nur über die Hotline, umständlich.
- Die App ist dreimal abgestürzt.
"""),
    ("digital", "es"): _pool("""
+ Registro en un minuto, muy fácil.
+ Cambié mi dirección en segundos.
+ La app es clara e intuitiva.
= Funcionó, pero el código tardó en llegar.
= Bien, demasiadas preguntas.
- El código de verificación nunca llegó.
- No pude cambiar mi correo sin llamar a atención al cliente.
- La app se cerró tres veces.
"""),
    ("cancellation", "fr"): _pool("""
+ Résiliation simple et rapide, sans relance insistante.
+ Processus clair, je pars seulement parce que je déménage.
= Correct, mais j'ai dû appeler pour résilier.
= Je pars pour une offre moins chère.
- Ils ont tout fait pour compliquer la résiliation.
- Encore facturé après la résiliation.
- Les prix augmentent sans cesse.
- Réseau catastrophique chez moi.
"""),
    ("cancellation", "de"): _pool("""
+ Kündigung einfach und schnell, ohne Überredungsversuche.
+ Klarer Ablauf, ich ziehe nur ins Ausland.
= In Ordnung, aber Kündigung nur telefonisch möglich.
= Ich wechsle zu einem günstigeren Tarif.
- Die Kündigung wurde mir so schwer wie möglich gemacht.
- Nach der Kündigung trotzdem abgebucht.
- Ständig steigende Preise.
- Der Empfang bei mir zu Hause ist miserabel.
"""),
    ("cancellation", "es"): _pool("""
+ Baja sencilla y rápida, sin presiones.
+ Proceso claro, me voy solo porque me mudo.
= Bien, pero tuve que llamar para darme de baja.
= Me cambio a una tarifa más barata.
- Me pusieron todas las trabas posibles para darme de baja.
- Me siguieron cobrando después de la baja.
- Los precios no paran de subir.
- La cobertura en mi casa es pésima.
"""),
}
COMMENT_GROUP = {
    K.STORE_PURCHASE: "store",
    K.ONLINE_PURCHASE: "store",
    K.SUPPORT_CALL: "support",
    K.REPAIR: "repair",
    K.SIGN_UP: "digital",
    K.CONTACT_CHANGE: "digital",
    K.CANCELLATION: "cancellation",
}
COMMENT_RATE = {"promoter": 0.3, "passive": 0.28, "detractor": 0.55}


def pick_comment(rng: random.Random, kind: str, locale: str, score: int) -> str:
    """A plausible comment for the score, in the contact's language when we have one; many
    answers come without."""
    category = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
    if rng.random() >= COMMENT_RATE[category]:
        return ""
    pool = COMMENTS.get((COMMENT_GROUP[kind], locale)) or COMMENTS[(kind, "en")]
    return rng.choice(pool[category])
