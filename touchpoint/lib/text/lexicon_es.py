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
"""
NEGATIONS = """no, nunca, jamás, nadie, nada, ni, sin, tampoco, ningún, ninguna, ninguno"""
INTENSIFIERS = """muy, muchísimo, mucho, súper, super, realmente, totalmente, absolutamente,
    demasiado, tan, bastante, increíblemente, extremadamente"""
DAMPENERS = """poco, un poco, algo, ligeramente, algo de"""
CONTRAST = """pero, aunque, sin embargo, no obstante, salvo, excepto"""
