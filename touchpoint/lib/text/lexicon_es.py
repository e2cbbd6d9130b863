"""Spanish sentiment words (weights -3..+3). One entry per comma; several words make a phrase."""

WORDS = """
+3: excelente, perfecto, perfecta, genial, fantástico, fantástica, increíble servicio,
    maravilloso, estupendo, estupenda, encantado, encantada, encantadora, encantador,
    buenísimo, de diez, de lujo, como nuevo, como nueva, muy contento, muy contenta,
    lo recomiendo, inmejorable, impecable, sobresaliente, me encantó, me encanta
+2: bien, bueno, buena, buen, rápido, rápida, rapidísimo, amable, amables, atento, atenta,
    simpático, simpática, profesional, profesionales, eficaz, eficiente, fácil, facilísimo,
    sencillo, sencilla, cómodo, cómoda, claro, clara, contento, contenta, satisfecho,
    satisfecha, gracias, paciente, paciencia, competente, resuelto, solucionado,
    solucionaron, serio, serios, formales, recomiendo, sin problemas, sin complicaciones,
    sin presiones, sin pegas, sin esperas, sin nada de cola, al momento, enseguida,
    gratis, gratuito, justo, honesto, intuitiva, intuitivo, seguro, ayudaron, me ayudaron,
    al instante, en seguida, puntual, a tiempo, limpio, agradable, cercano, por fin
+1: correcto, correcta, vale, normal, funciona, funcionó, informado, informada, barato,
    barata, más barato, aceptable, razonable, listo, lista, mejor
+0: sin más, nada más, más o menos, sin nada más
-1: lento, lenta, esperar, esperando, esperé, espera, cola, larga, largo, tarde, retraso,
    tardó, tardaron, tardan, caro, cara, complicado, difícil, problema, problemas, error,
    golpeada, golpeado, rayado, rayada, roto, rota, otra vez, sigue, sigo, todavía, aún,
    semanas, meses, lío, regular, nada especial, más o menos, demasiados, demasiadas,
    sin, ocultos, se calienta, parpadea, confuso, insistió, pesado, presión
-2: mal, mala, malo, pésimo, pésima, fatal, horrible, maleducado, maleducada, antipático,
    antipática, borde, incompetente, inútil, equivocado, perdido, perdí, perdieron, nunca,
    nadie, rechazaron, se colgaba, se colgó, colgada, se cerró, falló, fallo, no funciona,
    no funcionaba, no funcionó, decepcionado, decepcionada, decepción, vergonzoso,
    vergüenza, inaceptable, imposible, ridículo, desastre, agotado, agotada, sin stock,
    sin existencias, no había, no tenían, no llegó, nunca llegó, no me llegó, nunca llegaron,
    sin noticias, sin cobertura, no hay cobertura, me colgaron, se cortó, cobraron dos veces,
    dos veces, me cobraron de más, borraron, sin avisar, sin preguntar, sin explicación,
    avería, píxel muerto, no sabía, no sabían, no entendía, ni idea, pesadilla, caótico,
    engaño, estafa, carísimo, carísima, demasiado caro, trabas, mil trabas, tirado,
    abusivo, no me dieron, nadie me, ni medio día, nadie sabe, peor, no vuelvo, pésimo servicio
-3: una vergüenza, un desastre, lamentable, indignante, un robo, una estafa, vergonzoso total
+3: no se puede pedir más, de diez, diez de diez, un diez, de maravilla, una maravilla,
    muy recomendable, totalmente recomendable, encantadísimo, encantadísima, un encanto,
    de lujo, sobre ruedas, lo mejor, la mejor, el mejor, inmejorable servicio
+2: en punto, al día siguiente, al otro día, el mismo día, en minutos, en segundos,
    en un momento, a la primera, sin discutir, sin problema, sin rodeos, sin esperar,
    sin complicaciones, sin líos, sin pegas, sin pagar, no pagué nada, nada que pagar,
    saben de lo que hablan, sabía lo que hacía, sabían lo que hacían, mejorado, mejoró,
    me explicó, explicó todo, me avisaron, siempre sabía, me mantuvieron informado,
    me mantuvieron informada, cada paso, dos clics, facilísimo, como prometieron,
    como quedamos, respetaron, me respetaron, reembolsaron, devolvieron el dinero,
    comprensivo, comprensiva, da gusto, un placer, majo, maja, encantador, encantadora,
    respetuoso, respetuosos, cuidadoso, atentos, educado, educada, educados, sin quejas,
    no me puedo quejar, nada que objetar, todo bien, todo correcto, me desearon suerte,
    antes de lo previsto, antes de lo prometido, menos de, el mejor precio, buen precio,
    precio justo, merece la pena, vale la pena, volveré, repetiré, lo volvería a hacer,
    de regalo, ya tengo, por fin funciona, tomó su tiempo, se tomó su tiempo, con calma
+1: al final funcionó, llegó bien, en perfecto estado, sin daños, intacto, como se describía,
    ya funciona, funciona bien, llegó
+0: nada especial, nada del otro mundo, ni más ni menos, lo esperado, lo que esperaba,
    como esperaba, como dijeron, como anunciaron, ya veremos, veremos, de momento,
    por ahora, así de simple, eso es todo, nada más que decir, no es el fin del mundo,
    normal, normalito, estándar, como cualquier otro, como todos, supongo, al final,
    finalmente, en parte, a medias, medio, ni bien ni mal, regular, más o menos, es lo que hay,
    es comprensible, puede pasar, ya lo sabía, el único motivo, único motivo, podría ser mejor,
    podría ser peor, correcto sin más, aceptable, como siempre, lo normal
-1: tuve que, tuvimos que, hubo que, llevó un rato, un rato, varias llamadas, dos veces,
    al segundo intento, segundo intento, no es ideal, quisquilloso, quisquillosas, pesado,
    alto, alta, elevado, débil, poca cobertura, falta, faltaba, menos de lo esperado,
    no recibí, sin confirmación, no se actualizó, nunca se actualizó, más de lo previsto,
    un día más, se retrasó, retrasado, golpeada, tono amarillo, no encaja, torpe
-2: no es cosa suya, no es culpa mía, me echó la culpa, la culpa, culpa, más interesado en,
    tonto, charlando, se quedó en negro, se murió, muerto, gastos de gestión, tenía que venir,
    debía, todavía no, aún no, nunca recibí, no me llegó, da vueltas, en círculos,
    inútil, sin sentido, se rió, discutir conmigo, discutió, le daba igual, despectivo,
    despectiva, colarme, intentó colarme, insistió, sin disculpas, ni una disculpa,
    ni siquiera, ni llamó, nadie sabía, nadie sabe, me alegro de irme, se acabó, me largo,
    harto, harta, estoy harto, basta, no es aceptable, no es normal, nada amable,
    nada amables, nada serviciales, poco amable, nada contento, descontento, decepcionante,
    me dejaron tirado, prometieron y no, chapuza, una chapuza, pérdida de tiempo,
    no vale, no merece la pena, basura, caótico, me mintieron, mintieron, me pasaron,
    de un lado a otro, sin respuesta, no me respondieron, nunca me llamaron, no llamaron,
    nadie llamó, me ignoraron, sigue roto, sigue sin funcionar, no lo arreglaron,
    sin solucionar, peor que, se calienta muchísimo, no enciende, no carga, no válido,
    rechazó, rechazaron, caducó, caducaba, me sacó de la sesión, me echó, sin avisar,
    sin dejarlo claro, sin mi permiso, tener que perseguir, se ha duplicado, duplicado,
    supuesta, supuestamente, de risa, es de risa, ni medio caso, encima
-3: nunca más, jamás vuelvo, huid, un robo, una estafa, de vergüenza, lamentable servicio,
    una tomadura de pelo, tomadura de pelo, indignante
-1: sin parar, sin cesar, cada dos por tres, constantemente
+2: sin rechistar, un detalle, majísima, majísimo, nada más entrar, nada más llegar,
    salió rodado, rodado, gratamente sorprendido, volando, sin dudarlo
+1: menos mal
+0: nada grave, nada que reprochar, por lo demás
-1: mejorable, volvió a, y van, se eterniza, algo justo
-2: cero, todavía sin, siguen cobrándome, no aceptaba, te dan largas, te marean, enfadado,
    enfadada, me colgó, tenía que haberme ido, amenazaron, me amenazaron
+1: lo único malo, el único pero, lo único, solo echo de menos, lo intentó, hicieron lo posible,
    un pequeño
-1: podría haber sido mejor, podría mejorar, mejorable
"""
NEGATIONS = """no, nunca, jamás, nadie, nada, ni, sin, tampoco, ningún, ninguna, ninguno"""
QUIET_NEGATIONS = """sin"""
INTENSIFIERS = """muy, muchísimo, mucho, súper, super, realmente, totalmente, absolutamente,
    demasiado, tan, bastante, increíblemente, extremadamente"""
DAMPENERS = """poco, un poco, algo, ligeramente, algo de"""
SUMMARY = """en general, en resumen, en conjunto"""
CONTRAST = """en cambio, mientras que, por lo demás, pero, aunque, sin embargo, no obstante,
    salvo, excepto"""
