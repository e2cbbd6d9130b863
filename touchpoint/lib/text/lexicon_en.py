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
+3: couldn't have asked for, above and beyond, went out of their way, out of their way,
    second to none, ten out of ten, highly recommend, over the moon, a pleasure, easiest,
    can't recommend enough, could not be better, couldn't be better, blown away
+2: on the dot, next day, next morning, same day, in minutes, in no time, first time,
    without any fuss, without a fuss, without fuss, without any argument, without argument,
    without question, no questions asked, without any problem, without any problems,
    without a hitch, without any hassle, nothing to pay, knew their stuff, knew his stuff,
    knew her stuff, knew what they were doing, inside out, improved, exactly when,
    exactly the time, always knew, kept me informed, kept me updated, kept me posted,
    every stage, every step, in seconds, couple of clicks, two clicks, took no time,
    refreshing, neat, tidy, understood, wished me well, thorough, attentive, accommodating,
    cheers, lucky, nicer, nicest, friendliest, quickest, best price, good value,
    value for money, worth it, worth every, great value, pleasant, sympathetic, caring,
    welcoming, cheerful, went well, all good, no complaints, can't complain, cannot complain,
    fixed it, sorted it, really knew, took the time, made it easy, glad i, the best,
    earlier than promised, before the promised, less than, under a minute, happy with,
    delighted with, thrilled, gem, star, hero, credit to, a credit, lifesaver, life saver
+1: got there in the end, finally, eventually sorted, it worked, worked, arrived, on schedule,
    as described, as advertised, no damage, intact, fine now
+0: nothing special, nothing to write home about, no more no less, as expected,
    to be expected, as they said, as announced, fair enough, we'll see, we will see, i'll see,
    see how it goes, time will tell, so far so good, for now, simple as that, that's it,
    that's all, nothing else, nothing more, nothing else to say, nothing more to say,
    not the end of the world, average, standard, much like any other, like everyone,
    i suppose, i guess, it is what it is, eventually, in the end, could be better,
    could be worse, only reason, the only reason, nothing to add, neither good nor bad,
    middle of the road, mixed, so so, meh, partly, partially, half, sort of, kind of,
    more or less, reasonably, adequate, acceptable, usual, normal, as usual, expected,
    which i knew, i knew, no surprises, either way, can't say, hard to say
-1: had to, took a while, a while, a couple of calls, several calls, twice, second try,
    second attempt, again and again, not ideal, could be clearer, bit slow, a bit, fussy,
    dent, dented, tint, high, higher, weak, patchy, missing, lower than, less than expected,
    shame that, pity, no dispatch, no confirmation, didn't update, wasn't updated,
    hasn't updated, took longer, longer than, later than, a day late, day late
-2: not their problem, wasn't their problem, not my fault, blamed me, blame, blamed,
    more interested in, feel stupid, made to feel, chatting, went black, dies, died,
    admin fee, supposed to, was supposed to, it's been, still not, not received,
    never received, round in circles, in circles, pointless, shambles, fiasco, laughed,
    argued, couldn't care less, guilt trip, guilt, patronising, condescending,
    kept pushing, hard sell, no apology, not even, didn't even, never even, wasn't even,
    no one knew, nobody knew, lost my, glad to be leaving, good riddance, enough is enough,
    i'm done, done with, fed up, sick of, had enough, last straw, not acceptable,
    not good, not great, not helpful, not impressed, not happy, unimpressed, unhappy,
    let down, let me down, over promised, overpromised, messed up, mucked up, botched,
    useless, waste of time, not worth, not fit, rubbish, dreadful, sloppy, careless,
    shambolic, chaotic, clueless, lied to, lying, fobbed off, fob me off, passed around,
    passed from, pillar to post, no response, no reply, no one replied, nobody replied,
    never replied, never got back, didn't get back, no call, ignored, still broken,
    still not fixed, not fixed, not sorted, not resolved, unresolved, worse than,
    overheats, overheating, not switch on, won't switch on, won't turn on, won't charge,
    doesn't charge, invalid, declined, rejected, expired, timed out, timing out, logged out,
    logging me out, kicked out, wiped everything, without making it clear, without telling me,
    without my permission, without my consent, had to chase, chasing them
-3: disgrace, disgraceful, appalling service, worst experience, never again, avoid,
    avoid at all costs, daylight robbery, criminal, shameful, shocking service
-1: constantly, keeps, kept, non stop, all the time
+2: makes a change, no nonsense, like clockwork, in a flash, nice touch, pleasantly surprised,
    barely through the door, straight away
+0: no big deal, not a big deal, nothing to report, nothing major, alright
-2: zero, string you along, fob you off, short with me, fuming, should have left,
    threatened, wouldn't take no
+1: only downside, only complaint, only issue, only wish, only regret, tried their best,
    did their best, one small
-1: could have been better, could be improved, room for improvement
"""
NEGATIONS = """not, no, never, nobody, none, nothing, neither, nor, without, hardly, barely,
    don't, doesn't, didn't, isn't, wasn't, aren't, weren't, won't, wouldn't, can't, cannot,
    couldn't, shouldn't, haven't, hasn't, hadn't, no one, dont, didnt, cant, wasnt, isnt"""
QUIET_NEGATIONS = """without"""
INTENSIFIERS = """very, really, so, extremely, incredibly, totally, absolutely, completely,
    super, truly, highly, seriously, most, too, such, utterly, especially, entirely"""
DAMPENERS = """bit, slightly, somewhat, little, fairly, quite, rather, kind of, sort of"""
SUMMARY = """overall, all in all, on the whole"""
CONTRAST = """on the other hand, whereas, otherwise, but, however, though, although, yet,
    except, apart from, shame, only thing"""
