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
+3: on ne peut pas demander mieux, rien à redire, dix sur dix, au top, top du top,
    vraiment top, une perle, un plaisir, je recommande vivement, vivement recommandé,
    aux petits soins, génial, parfait, que du bonheur, le meilleur, la meilleure
+2: pile à l'heure, le lendemain, le jour même, même jour, en quelques minutes, en minutes,
    en une minute, en quelques secondes, du premier coup, sans discuter, sans problème,
    sans détour, sans attendre, sans prise de tête, sans souci, sans rien payer,
    rien à payer, connaissent leur sujet, connaît son sujet, savait ce qu'il faisait,
    amélioré, amélioration, m'a expliqué, expliqué, toujours au courant, tenu au courant,
    tenue au courant, informé à chaque étape, chaque étape, deux clics, un jeu d'enfant,
    comme promis, comme convenu, respecté, remboursé, remboursement rapide, compréhensif,
    compréhensive, ça fait plaisir, un régal, chouette, adorable, respectueux,
    respectueuse, soigné, soignée, attentionné, attentionnée, aucune plainte,
    je ne peux pas me plaindre, rien à dire, tout va bien, tout s'est bien passé,
    bien passé, bonne continuation, plus tôt que prévu, avant la date, moins de,
    meilleur prix, bon prix, prix correct, prix honnête, ça vaut le coup, vaut le coup,
    je reviendrai, je recommanderai, offert, enfin du réseau, pris son temps, calmement,
    avec patience, ravie, ravi, réglé rapidement, efficacement, pro, serviable, serviables
+1: ça a marché, ça marche, arrivé, bien arrivé, en parfait état, intact, intacte,
    conforme, fonctionne maintenant, ça fonctionne
+0: rien de spécial, rien d'extraordinaire, rien de plus, ni plus ni moins, comme prévu,
    comme annoncé, comme attendu, ce que j'attendais, on verra, à voir, pour l'instant,
    pour le moment, tout simplement, c'est tout, voilà, rien d'autre à dire,
    pas grand-chose à ajouter, pas grand chose, ce n'est pas la fin du monde,
    la fin du monde, normal, classique, standard, comme partout, comme tout le monde,
    j'imagine, je suppose, sans plus, finalement, au final, à moitié, en partie, moyen,
    bof, ni bien ni mal, mitigé, mitigée, passable, ça arrive, je le savais,
    seule raison, la seule raison, pourrait être mieux, pourrait être pire, acceptable,
    comme d'habitude, ça va, ça a été
-1: j'ai dû, a fallu, il a fallu, plusieurs appels, deux fois, au second essai,
    au deuxième essai, pas idéal, pénible, pénibles, lourd, élevé, élevée, faible, manque,
    moins que prévu, plus basse, pas de mail, pas de confirmation, jamais été mise à jour,
    pas mis à jour, plus long que prévu, un jour de retard, glissé, teinte jaune,
    pas tout à fait, pas aligné, déconnecté, interminables
-2: pas leur problème, soi-disant, ma faute, mis la faute, la faute, plus intéressé par,
    pris pour un idiot, idiot, discutent, écran noir, mort, frais de dossier,
    devait être offerte, devait, toujours pas, pas reçu, jamais reçu, tourne en rond,
    en rond, inutile, aucun sens, n'a aucun sens, rigolé, s'est moqué, disputé, méprisant,
    méprisante, refourguer, forcer la main, insisté lourdement, aucune excuse, pas d'excuse,
    même pas, n'a même pas, personne ne savait, personne ne sait, content de partir,
    ras le bol, ras-le-bol, ça suffit, j'arrête, marre, j'en ai marre, pas acceptable,
    pas normal, pas aimable, pas très aimable, pas serviables, pas content, mécontent,
    mécontente, décevant, déception, laissé tomber, promis et rien, bâclé, bâclée,
    travail bâclé, perte de temps, ne vaut pas, ne les vaut pas, pas donné, nul, n'importe quoi,
    menti, mensonge, baladé, balader, de service en service, aucune réponse,
    jamais rappelé, pas rappelé, personne n'a appelé, ignoré, ignorée, toujours en panne,
    pas réparé, pas résolu, rien résolu, sans rien résoudre, pire que, chauffe énormément,
    ne s'allume pas, ne charge pas, invalide, refusé, refusée, expiré, expirait,
    déconnecté en plein, sans prévenir, sans que ce soit clair, sans mon accord, relancer,
    a doublé, doublé, fiasco, une blague, c'est une blague, agaçant, agaçante, énervant
-3: plus jamais, à fuir, fuyez, du vol, honteux, inadmissible, scandaleux, lamentable
+2: pas mal, pas mal du tout, franchement pas mal
+0: pas grave, pas bien grave
-1: sans arrêt, sans cesse, constamment, tout le temps
-2: mal, mauvais service
+2: sans accroc, sans chichis, chapeau, en un éclair, en un rien de temps, conquis, conquise,
    démenée, agréablement surpris, à peine entré, ça change, pile
+0: rien à signaler, ça a fait l'affaire, fait l'affaire
-1: à revoir, traîne, un peu léger, léger
-2: zéro, monts et merveilles, raccroché au nez, furieux, furieuse, j'aurais dû, menacé,
    bidon, excuse bidon, mal tenue
+3: très vite, j'adore, adore, sans faute, enchanté, enchantée, vaut le détour,
    service impeccable, parfaitement bien
+2: fluide, sans effort, en douceur, vite, rapidité, efficacité, réactif, réactive,
    réactivité, accueillant, accueillante, bon accueil, bien accueilli, bien accueillie,
    courtois, courtoise, poli, polie, agréablement, chaleureux, chaleureuse, arrangeant,
    arrangeante, geste commercial, bien expliqué, explications claires, clairement,
    compétence, connaisseur, de qualité, dans les temps, dans les délais, délai respecté,
    en avance, avant l'heure, gratuitement, sans frais, rien payé, bonne expérience,
    heureux, heureuse, plaisir, aime, bon service, bon conseil, excellent service,
    service rapide, très bon, très bien, bien reçu, écouté, m'a écouté, pris le temps
+1: écoute, disponible, qualité, fidèle, satisfaisant, solide
-1: des semaines, des mois, occupé, confus, confuse, fissure, manquant, manquante, frais,
    payant, malheureusement, hélas, pénible
-2: lenteur, trop lent, une éternité, éternité, des heures, pendant des heures, en vain,
    injoignable, impossible de joindre, personne ne répond, sans réponse, arrogant,
    arrogante, hautain, hautaine, désintéressé, indifférent, indifférente, incapable,
    incapables, dépassé, dépassés, mal informé, mal informée, mauvaise information,
    mauvaises informations, contradictoire, contradictoires, bug, bugs, bugue, beugue, crash,
    ne fonctionnait pas, ne marche plus, ne fonctionne plus, cassé, cassée, fissuré,
    fissurée, facturé à tort, trop facturé, surfacturé, surfacturation, frais cachés,
    exorbitant, hors de prix, énervé, énervée, agacé, agacée, en colère, colère, frustrant,
    frustré, frustrée, insuffisant, insuffisante, pas à la hauteur, amateur, amateurisme,
    peu professionnel, pas professionnel, incompréhensible, aucune aide, pas aidé,
    n'a pas aidé, pas pu m'aider, rien fait, n'ont rien fait, déconseille, décevante,
    mauvaise expérience, mauvais accueil, mal accueilli, mal reçu, pas écouté
-3: à éviter, je déconseille, fuir, honteux, une catastrophe, service déplorable, déplorable
+2: propre, travail propre, aussitôt, tenu informé, tenue informée, tenu au courant,
    dès le lendemain, dans l'heure, en une heure, le jour même, plus bas
+1: heureusement
-2: encore une fois, pour la troisième fois, à chaque fois, personne ne s'en occupe,
    ne m'a pas écouté, sans rien faire, prélèvements continuent, dernier achat,
    aucune nouvelle
+1: seul bémol, seul regret, seul point négatif, de son mieux, fait de son mieux, un petit
-1: aurait pu être meilleure, aurait pu être mieux, pourrait être mieux, à améliorer
"""
NEGATIONS = """pas, ne, n', jamais, personne, rien, aucun, aucune, sans, ni"""
QUIET_NEGATIONS = """sans, ne, n'"""
INTENSIFIERS = """très, vraiment, trop, tellement, extrêmement, totalement, absolument, super,
    hyper, si, vachement, complètement, beaucoup"""
DAMPENERS = """un peu, assez, plutôt, légèrement"""
SUMMARY = """dans l'ensemble, globalement, en général"""
CONTRAST = """en revanche, tandis que, à part ça, mais, cependant, pourtant, toutefois, par
    contre, sauf, malgré, sinon"""
