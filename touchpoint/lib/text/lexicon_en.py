"""English sentiment words (weights -3..+3), written for what customers of a phone brand say.
One entry per comma; an entry of several words is a phrase."""

WORDS = """
+3: excellent, brilliant, fantastic, amazing, outstanding, superb, perfect, perfectly, awesome,
    love, loved, wonderful, exceptional, flawless, best, impressive, impressed, top notch,
    can't fault, cannot fault, couldn't be happier, spot on, first class
+2: great, good, helpful, friendly, quick, quickly, fast, easy, easily, simple, smooth,
    smoothly, pleased, happy, delighted, satisfied, lovely, nice, kind, polite, patient,
    professional, efficient, knowledgeable, recommend, thank, thanks, thank you, brand new,
    like new, as new, painless, effortless, straightforward, clear, clearly, fair, honest,
    respectful, reliable, glad, well, sorted, solved, resolved, fixed, works perfectly,
    no problem, no problems, no hassle, no fuss, no issues, hassle free, well done,
    as promised, on time, straight away, right away, seamless, intuitive, secure, useful,
    appreciated, appreciate, understanding, worked perfectly, fair price, instant, instantly,
    earlier than expected, ahead of schedule, free of charge, spotless, favourite, enjoy
+1: fine, okay, ok, decent, free, works, working, better, ready, correct, reasonable,
    cheap, cheaper, informed, updated, listened, within, helped, help, quicker, faster,
    keen, welcome, calm, clean, safe, safely, confirmed, promptly, quick answer
-1: slow, slowly, wait, waited, waiting, queue, queued, queues, queuing, hold, busy,
    confusing, complicated, pricey, expensive, annoying, annoyed, long, longer, late, delay,
    delayed, chase, chased, chasing, weeks, months, struggled, difficult, hard, clunky,
    problem, problems, issue, issues, mistake, damaged, dented, scratch, scratches,
    scratched, dead, missing, again, still, without, not sure, hurry, rushed, pushy,
    pressured, spam, expired, loop, nothing special, unfortunately, disappointing, flimsy,
    hot, drains, flickers, flicker, unclear, too many, hidden, ages, shrugged, cut off
-2: bad, poor, rude, unhelpful, useless, terrible, slowest, wrong, broken, lost, never,
    nobody, no one, refused, refuse, crashed, crashes, crashing, crash, error, errors,
    failed, fails, failing, froze, frozen, stuck, dropped, disappointed, frustrated,
    frustrating, unacceptable, ridiculous, shocking, worse, overpriced, overcharged,
    charged twice, charged me twice, double charged, waste, wasted, dismissive, incompetent,
    clueless, no idea, no clue, hung up, hang up, cut me off, not working, doesn't work,
    didn't work, does not work, did not work, won't work, wouldn't work, not arrived,
    never arrived, never came, never heard, no updates, no update, no signal, no answer,
    out of stock, sold out, unavailable, took forever, forever, nightmare, mess, ignored,
    pathetic, awful, appalling, uncomfortable, unreliable, impossible, wiped, deleted,
    disappeared, fault, faulty, chase them, not happy, not good enough, without asking,
    without warning, without telling, absurd, scripted, from a script, read from a script,
    no explanation, unanswered, cheated, dreading, locked out, locked into, guilt,
    still waiting, same problem, same fault, same issue, too long, far too long,
    no one called, nobody called, disgrace, rip off, ripped off, misleading, lied,
    the lot went wrong, hidden charges, hidden fees, dent, cracked, stopped working,
    stopped responding, worst, hate, hated, complain, complaint, no help, no real help,
    hard to leave, difficult to cancel, so hard, sent back, lose, losing, dead pixel,
    not covered, not honour, shouldn't have, should have been, never again
-3: horrible, disgusting, disgraceful, scandalous, furious, outrageous, joke, scam,
    completely unacceptable, worst ever, absolute joke, a joke, never again, useless service
"""
NEGATIONS = """not, no, never, nobody, none, nothing, neither, nor, without, hardly, barely,
    don't, doesn't, didn't, isn't, wasn't, aren't, weren't, won't, wouldn't, can't, cannot,
    couldn't, shouldn't, haven't, hasn't, hadn't, no one, dont, didnt, cant, wasnt, isnt"""
INTENSIFIERS = """very, really, so, extremely, incredibly, totally, absolutely, completely,
    super, truly, highly, seriously, most, too, such, utterly, especially, entirely"""
DAMPENERS = """bit, slightly, somewhat, little, fairly, quite, rather, kind of, sort of"""
CONTRAST = """but, however, though, although, yet, except, apart from, shame, only thing"""
