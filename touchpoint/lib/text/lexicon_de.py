"""German sentiment words (weights -3..+3). One entry per comma; several words make a phrase."""

WORDS = """
+3: super, hervorragend, ausgezeichnet, perfekt, fantastisch, top, spitze, klasse, genial,
    toll, wunderbar, großartig, begeistert, sensationell, einwandfrei, bestens, prima,
    wie neu, sehr zufrieden, gerne wieder, nur zu empfehlen, erstklassig
+2: gut, schnell, freundlich, nett, hilfsbereit, kompetent, einfach, unkompliziert,
    zufrieden, geduldig, höflich, professionell, zuverlässig, empfehlen, danke, vielen dank,
    dankbar, klar, übersichtlich, intuitive, intuitiv, fair, ehrlich, reibungslos, gelöst,
    geklappt, freue, gefreut, schön, angenehm, sofort, pünktlich, kostenlos, sauber,
    problemlos, ohne probleme, gut erklärt, funktioniert wieder, verständnisvoll, hilfreich,
    sicher, zügig, rasch, lieb, sympathisch, bemüht, super service, schnell erledigt
+1: okay, ok, in ordnung, passt, ganz gut, günstig, günstiger, funktioniert, bereit,
    informiert, korrekt, ordentlich, akzeptabel, vernünftig, geholfen, besser
-1: langsam, warten, gewartet, wartezeit, warteschleife, schlange, lange, länger, spät,
    verspätet, verspätung, teuer, teurer, kompliziert, umständlich, schwierig, problem,
    probleme, fehler, beschädigt, eingedrückt, kratzer, leider, nochmal, immer noch,
    trotzdem, wochen, monate, nachfragen, nachgefragt, hektik, aufdringlich, verwirrend,
    unklar, zu viele, heiß, leer, flackert, versteckte, ohne, nicht ganz, delle, schade,
    durchschnittlich, geht so, nichts besonderes, abgebrochen
-2: schlecht, unfreundlich, unhöflich, inkompetent, ahnungslos, keine ahnung, falsch,
    kaputt, verloren, nie, niemand, keiner, abgelehnt, verweigert, abgestürzt, absturz,
    eingefroren, hängt, enttäuscht, enttäuschend, ärgerlich, frechheit, unverschämt,
    inakzeptabel, unmöglich, katastrophe, katastrophal, miserabel, nervig, unzuverlässig,
    gelöscht, doppelt abgebucht, doppelt, zweimal abgebucht, nie angekommen, nie gekommen,
    kam nie, nicht angekommen, nicht vorrätig, ausverkauft, nicht verfügbar, nicht lieferbar,
    kein empfang, kein netz, keine rückmeldung, keine information, keine antwort, aufgelegt,
    aus der leitung, verbindung weg, ignoriert, albtraum, chaos, abzocke, mangelhaft,
    schlimm, schlimmer, schrecklich, furchtbar, fehlermeldung, ohne zu fragen,
    ohne rückfrage, ohne erklärung, defekt, pixelfehler, nicht gelöst, nicht funktioniert,
    funktioniert nicht, geht nicht, klappt nicht, zu teuer, viel zu teuer, zu lange,
    viel zu lange, absurd, schwer gemacht, schande, unglaublich lange, nicht zufrieden,
    nie wieder, bedrängt, überteuert, unverständlich, vom blatt, ständig, dauernd
-3: katastrophal, skandal, skandalös, betrug, unterirdisch, eine zumutung, zumutung,
    das letzte, absolut inakzeptabel, eine frechheit
"""
NEGATIONS = """nicht, kein, keine, keinen, keinem, keiner, nie, niemals, niemand, nichts, ohne,
    weder, noch nie, kaum"""
INTENSIFIERS = """sehr, wirklich, total, extrem, absolut, echt, äußerst, so, zu, viel, völlig,
    richtig, besonders, ganz, unglaublich, mega"""
DAMPENERS = """etwas, bisschen, ein wenig, leicht, ziemlich, eher"""
CONTRAST = """aber, jedoch, allerdings, trotzdem, dennoch, obwohl, sondern"""
