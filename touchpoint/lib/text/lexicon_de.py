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
+3: hätte mir nichts besseres wünschen können, weit mehr als erwartet, einfach spitze,
    zehn von zehn, uneingeschränkt, jederzeit wieder, rundum zufrieden, bestens beraten,
    vorbildlich, traumhaft, klasse service, wahnsinnig schnell, spitzenmäßig, hammer
+2: pünktlich auf die minute, am nächsten tag, am nächsten morgen, am selben tag,
    am gleichen tag, in wenigen minuten, in minuten, in sekunden, auf anhieb,
    ohne diskussion, ohne probleme, ohne umwege, ohne wartezeit, ohne theater, ohne stress,
    ohne murren, ohne nachfrage, ohne zu zögern, nichts bezahlt, nichts zahlen,
    ahnung haben, ahnung hatte, ahnung hat, kennt sich aus, kannte sich aus, auskennen,
    verbessert, genau erklärt, immer bescheid, bescheid gewusst, auf dem laufenden,
    jeden schritt, jedem schritt, zwei klicks, ruckzuck, kinderleicht, wie versprochen,
    wie vereinbart, wie zugesagt, erstattet, zurückerstattet, gutgeschrieben,
    verständlich, erfreulich, angenehm überrascht, gerne, gern, froh, glücklich,
    freundlichste, beste, alles gut, keine beschwerden, nicht beklagen, kann nicht klagen,
    nichts auszusetzen, nichts zu meckern, gut aufgehoben, ernst genommen, zuvorkommend,
    aufmerksam, gründlich, sorgfältig, gewissenhaft, engagiert, herzlich, lob, großes lob,
    weiter so, sehr gut, gut gemacht, tolle arbeit, schneller als, früher als,
    eher als angekündigt, preiswert, preis leistung, guter preis, fairer preis, glatt,
    reibungslos, perfekt gelaufen, geklappt hat, hat geklappt, sofort erledigt, gratis,
    ohne aufpreis, ohne zusatzkosten, erledigt, wünschen
+1: endlich, hat funktioniert, angekommen, unversehrt, unbeschädigt, wie beschrieben,
    funktioniert jetzt, geht jetzt, dann ging es
+0: nichts besonderes, nichts weltbewegendes, nicht mehr und nicht weniger,
    wie erwartet, wie angekündigt, wie gesagt, wie besprochen, mal sehen, mal abwarten,
    abwarten, bis jetzt, erst mal, erstmal, vorerst, das war's, mehr nicht, mehr gibt es nicht,
    nichts weiter, kein weltuntergang, durchschnitt, durchschnittlich, mittelmäßig,
    standard, normal, wie überall, wie alle, wie immer, vermutlich, wohl, irgendwann,
    am ende, letztendlich, schließlich, teilweise, halb, halbwegs, einigermaßen, soweit,
    so weit, na ja, naja, geht so, weder gut noch schlecht, weder noch, kann passieren,
    passiert, wusste ich, wusste ich vorher, der einzige grund, einzige grund,
    ganz einfach, nichts hinzuzufügen, könnte besser sein, könnte schlimmer sein,
    passt schon, soweit ok, akzeptabel, erwartet, erwartungsgemäß
-1: musste, mussten, hat gedauert, dauerte, eine weile, mehrere anrufe, zweimal,
    beim zweiten versuch, zweiten versuch, nicht ideal, pingelig, umständlich, hoch, höher,
    schwach, fehlt, fehlten, niedriger als, weniger als erwartet, keine versandbestätigung,
    keine bestätigung, nicht aktualisiert, länger als, später als, einen tag zu spät,
    verschoben, gelbstich, nicht ganz, nicht bündig
-2: nicht ihr problem, nicht mein problem, schuld gegeben, die schuld, schuld,
    mehr interessiert an, dumm, geplaudert, schwarz geworden, tot, gestorben, bearbeitungsgebühr,
    sollte, eigentlich, immer noch nicht, nicht erhalten, nie erhalten, im kreis, sinnlos,
    reinfall, gelacht, diskutiert, egal, herablassend, aufschwatzen, andrehen, aufgedrängt,
    keine entschuldigung, nicht einmal, nicht mal, nicht einmal geklingelt, keiner wusste,
    niemand wusste, froh weg zu sein, froh endlich weg, endlich weg, mir reicht es,
    reicht, ich bin raus, satt, genug, nicht akzeptabel, nicht gut, nicht toll,
    nicht hilfsbereit, nicht zufrieden, unzufrieden, enttäuschung, im stich gelassen,
    versprochen und nicht gehalten, nicht gehalten, verpfuscht, pfusch, schlamperei,
    schlampig, zeitverschwendung, nicht wert, mist, müll, chaotisch, angelogen, gelogen,
    abgewimmelt, weiterverbunden, hin und her, keine reaktion, keine rückmeldung,
    nie gemeldet, nicht gemeldet, nie zurückgerufen, nicht zurückgerufen, ignoriert,
    immer noch kaputt, nicht behoben, nicht repariert, ungelöst, schlechter als,
    überhitzt, glühend heiß, geht nicht an, lädt nicht, ungültig, abgelehnt, abgelaufen,
    ausgeloggt, rausgeworfen, ohne vorwarnung, ohne mein einverständnis, ohne dass es klar,
    hinterhertelefonieren, hinterherlaufen, nachlaufen, verdoppelt, angeblich, lächerlich,
    plötzlich, ohne ankündigung, ohne bescheid
-3: nie wieder, finger weg, unverschämtheit, eine katastrophe, abzocke pur, kriminell,
    eine schande, das allerletzte
-1: ununterbrochen, andauernd, immer wieder
+2: ohne schnickschnack, ratzfatz, fix, positiv überrascht, angetan, reingehängt,
    kulanz, kaum war ich, sofort jemanden
+0: nicht schlimm, nicht so schlimm, halb so wild, nichts zu bemängeln, hat gepasst
-1: ausbaufähig, lieblos, verbesserungswürdig, zieht sich
-2: null, vertröstet, patzig, sauer, futsch, hätte ich bloß, gedroht, zumutung, weg
+3: fehlerfrei, makellos, super schnell, blitzschnell, empfehlenswert, weiterempfehlen,
    sehr empfehlenswert, stinkzufrieden, überglücklich, sehr gut beraten
+2: mühelos, schmerzlos, ging schnell, geht schnell, ging fix, im handumdrehen, kulant,
    entgegenkommend, freundlichkeit, hilfsbereitschaft, kompetenz, fachkundig, sachkundig,
    gut beraten, termingerecht, rechtzeitig, vorzeitig, früher als erwartet, umgehend,
    prompt, kostenfrei, ohne kosten, nichts gekostet, gelohnt, lohnt sich, würde wieder,
    komme wieder, gefällt, gefallen, liebe, respektvoll, zugehört, hört zu, zeit genommen,
    zeit gelassen, nimmt sich zeit, gut erklärt, verständlich erklärt, super erklärt,
    schnelle hilfe, schnelle lösung, gute arbeit, guter service, super service,
    gute beratung, tolle beratung, nette beratung, netter service, freundlicher service
+1: zufriedenstellend, solide, ruhig, erklärt, verstanden, direkt, mag
-1: sprung, riss, fehlen, kostenpflichtig, gebühr, gebühren, zusatzkosten, tagelang,
    besetzt, verwirrt, umsonst
-2: schleppend, ewig, ewigkeit, eine ewigkeit, dauert ewig, hat ewig gedauert, wochenlang,
    monatelang, stundenlang, vergeblich, warten lassen, hingehalten, hinhalten, abgespeist,
    nicht erreichbar, niemand erreichbar, kein durchkommen, dreist, frech, arrogant,
    gleichgültig, desinteressiert, genervt, lustlos, überfordert, unfähig, planlos,
    falsche auskunft, falsche auskünfte, falsch informiert, widersprüchlich,
    unübersichtlich, fehleranfällig, stürzt ab, abstürzt, hängt sich auf, funktionierte nicht,
    ging nicht, klappte nicht, zerkratzt, verkratzt, gesprungen, verschwunden,
    falsch berechnet, zu viel berechnet, zu viel abgebucht, doppelt berechnet, überhöht,
    versteckte kosten, ärger, geärgert, ärgere, wütend, verärgert, frustriert, frustrierend,
    nervt, ungenügend, dürftig, peinlich, unprofessionell, nicht nachvollziehbar,
    kein verständnis, keine hilfe, nicht geholfen, konnte nicht helfen, nicht weitergeholfen,
    nicht zu empfehlen, kann ich nicht empfehlen, enttäuschung
-3: wucher, stinksauer, unzumutbar, eine unverschämtheit, nie mehr, katastrophaler service
+2: zum glück, genau richtig, wie neu aussieht, hält wieder, wieder einwandfrei,
    noch am selben tag, innerhalb einer stunde, innerhalb von minuten, schon am nächsten tag,
    direkt dran, sofort dran, gleich dran, sofort erreicht
+1: genau, komplett übertragen, alles übertragen
-2: schon wieder, zum dritten mal, zum wiederholten mal, jedes mal, keiner kümmert sich,
    niemand kümmert sich, kümmert sich keiner, ohne dass etwas passiert, trotzdem abgebucht,
    weiter abgebucht, letzter einkauf, letztes mal
+1: einziger nachteil, einziges manko, einziger kritikpunkt, bemüht, sich bemüht,
    eine kleine
-1: hätte besser sein können, könnte besser sein, verbesserungswürdig
"""
NEGATIONS = """nicht, kein, keine, keinen, keinem, keiner, nie, niemals, niemand, nichts, ohne,
    weder, noch nie, kaum"""
QUIET_NEGATIONS = """ohne"""
INTENSIFIERS = """sehr, wirklich, total, extrem, absolut, echt, äußerst, so, zu, viel, völlig,
    richtig, besonders, ganz, unglaublich, mega"""
DAMPENERS = """etwas, bisschen, ein wenig, leicht, ziemlich, eher"""
SUMMARY = """insgesamt, alles in allem, im großen und ganzen, unterm strich"""
CONTRAST = """dagegen, hingegen, wohingegen, ansonsten, sonst, aber, jedoch, allerdings,
    trotzdem, dennoch, obwohl, sondern"""
