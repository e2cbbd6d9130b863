"""French sentiment words (weights -3..+3). One entry per comma; several words make a phrase."""

WORDS = """
+3: excellent, excellente, parfait, parfaite, parfaitement, génial, géniale, super, top,
    au top, formidable, fantastique, impeccable, ravi, ravie, bravo, génialissime,
    comme neuf, comme neuve, très satisfait, très satisfaite, je recommande, nickel,
    irréprochable, rien à redire, merveilleux, exceptionnel
+2: bien, bon, bonne, bons, rapide, rapidement, sympathique, sympa, aimable, gentil,
    gentille, agréable, compétent, compétente, efficace, professionnel, professionnelle,
    simple, facile, facilement, clair, claire, satisfait, satisfaite, content, contente,
    merci, patient, patients, patiente, à l'écoute, de bon conseil, bons conseils, réglé,
    résolu, souriant, souriante, sérieux, sérieuse, gratuit, gratuite, offert, offerte,
    immédiatement, tout de suite, rassurant, rassurante, honnête, fiable, sans pression,
    sans problème, sans souci, pas de souci, recommande, intuitive, intuitif, pratique,
    ponctuel, à l'heure, rien à signaler, bien pensé, sans discuter, pas d'attente, enfin
+1: correct, correcte, ça va, ok, fonctionne, marche, informé, informée, moins cher,
    pas cher, acceptable, raisonnable, prêt, prête, mieux, aidé
-1: lent, lente, attendre, attente, attendu, attends, file, queue, long, longue, longtemps,
    retard, tard, cher, chère, compliqué, compliquée, difficile, problème, problèmes,
    erreur, abîmé, abîmée, rayure, rayé, encore, toujours, semaines, mois, moyen,
    sans plus, trop de, caché, cachés, cachée, chauffe, scintille, insistant, insistante,
    pression, relance, galère, baladé, dommage, pas vraiment
-2: mauvais, mauvaise, nul, nulle, désagréable, impoli, incompétent, incompétente,
    inutile, faux, fausse, perdu, perdue, jamais, personne, refusé, refusée, planté,
    plantait, plante, bloqué, bloquée, déçu, déçue, décevant, inadmissible, inacceptable,
    impossible, ridicule, catastrophe, catastrophique, médiocre, honteux, honte, scandale,
    en rupture, rupture de stock, pas de stock, indisponible, jamais reçu, pas reçu,
    jamais arrivé, jamais arrivée, aucune nouvelle, aucun réseau, pas de réseau,
    raccroché, coupé, a coupé, débité deux fois, deux fois, effacé, effacées, sans prévenir,
    sans explication, panne, pixel mort, ne comprenait rien, ne connaissait pas,
    cauchemar, arnaque, abusé, trop cher, beaucoup trop cher, trop longue, interminable,
    ne marche pas, ne marchait pas, ne fonctionne pas, aucune solution, pire, énormément,
    disparu, disparues, pas du tout aimable, sans sonner, ne s'affiche pas, abandonné
-3: scandaleux, lamentable, honteux total, une honte, inadmissible total, une arnaque
"""
NEGATIONS = """pas, ne, n', jamais, personne, rien, aucun, aucune, sans, ni"""
INTENSIFIERS = """très, vraiment, trop, tellement, extrêmement, totalement, absolument, super,
    hyper, si, vachement, complètement, beaucoup"""
DAMPENERS = """un peu, assez, plutôt, légèrement"""
CONTRAST = """mais, cependant, pourtant, toutefois, par contre, sauf, malgré, sinon"""
