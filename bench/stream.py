"""The realistic chat stream of the platform benchmarks (#19), independent of any platform.

400 members in 25 groups. 72% plain text of 3-40 words, 15% replies to a recent message of the same
group, 10% real commands that read and write (/help, /whoami, /search, /top, /rules, /homework, one
sixth each), 3% messages with a link. Members are unequally active (a few post a lot, most rarely),
and each line has a time on a virtual clock: one line every 0.5 s on average across the groups, and
a member never posts twice within 2 s (typing takes time), so moderation's flood control (8 messages
in 10 s by default) stays on and never mutes anyone who chats normally.

`lines(count, start)` is deterministic; the platform benchmarks turn lines into Bot API updates or
gateway payloads, with `start` continuing the timeline from one pass to the next.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

MEMBERS = 400
GROUPS = 25
MEAN_GAP = 0.5     # seconds between two lines of the stream (all groups together)
MEMBER_GAP = 2.0   # a member never posts twice within this many seconds
REPLY_WINDOW = 12  # a reply answers one of the last lines of its group

SHARES = (("message", 0.72), ("reply", 0.15), ("command", 0.10), ("link", 0.03))

FIRST_NAMES = ["Amina", "Bekele", "Chipo", "Dawit", "Esther", "Fatou", "Grace", "Hana", "Imani", "Joy", "Kofi", "Lulu",
               "Marie", "Nadia", "Odile", "Priya", "Rahel", "Sara", "Tigist", "Zawadi", "Aïcha", "Blessing", "Mercy",
               "Ruth", "Salimata", "Wanjiru", "Yaa", "Mariam", "Hawa", "Naledi"]

_SENTENCES_EN = [
    "Has anyone got the partograph slides from week {n}",
    "How do you manage a retained placenta when the referral hospital is far away",
    "We had a shoulder dystocia yesterday and McRoberts worked, mother and baby are fine",
    "Reminder that the neonatal resuscitation practice is on Thursday at the health centre",
    "What dose of oxytocin do you give for active management of the third stage",
    "I uploaded my homework for module {n}, the case study on pre-eclampsia",
    "Does anyone have the French version of the breastfeeding counselling leaflet",
    "Good morning everyone, night shift was busy with three deliveries and one referral",
    "Kangaroo mother care reduced hypothermia in our unit, we have data from {n} months",
    "Where can I find the magnesium sulfate loading dose chart",
    "The district sent new partographs but not enough for every shift",
    "Our blood pressure machine is broken again so we use the manual one",
    "Please remember to wash hands before and after every examination",
    "We started the respectful maternity care posters in the waiting room",
    "A mother came at nine centimetres after walking two hours to reach us",
    "Is misoprostol still on the essential medicines list in your district",
    "The trainer said the quiz for module {n} opens on Monday",
    "We ran out of gloves this week and had to borrow from the clinic",
    "Can someone explain again how to read the fetal heart rate pattern",
    "I think the new checklist is clearer than the old one",
]
_SENTENCES_FR = [
    "Quelqu'un a les diapositives sur le partogramme de la semaine {n}",
    "Comment gérez-vous une rétention placentaire quand l'hôpital de référence est loin",
    "Rappel pour l'atelier de réanimation néonatale jeudi au centre de santé",
    "Quelle dose d'ocytocine pour la gestion active de la troisième période",
    "J'ai déposé mon devoir du module {n} sur la pré-éclampsie",
    "Bonjour à toutes, garde chargée cette nuit avec trois accouchements et une évacuation",
    "Où trouver le tableau de la dose de charge du sulfate de magnésium",
    "Nous avons commencé les causeries sur l'allaitement maternel avec les mamans",
    "Le tensiomètre est encore en panne, nous utilisons le manuel",
]
_SHORT = ["ok noted thanks", "see you tomorrow", "agreed with you", "good morning all", "well done everyone",
          "me too please", "bonne journée à toutes", "d'accord avec toi"]
_REPLIES = [
    "thank you {who}, the checklist helped a lot during the postnatal visit",
    "thanks {who} that answers my question",
    "We give ten units intramuscular right after the birth of the baby",
    "Yes it is in the shared folder under module {n}",
    "Same problem here, we asked the district for more supplies",
    "merci {who} pour le protocole",
    "I will send it to you after my shift",
    "Try calling the referral hospital before you leave so they are ready",
]
_LINKS = ["https://www.who.int/publications/i/item/9789240020825", "https://apps.who.int/iris/handle/10665/{n}",
          "https://www.youtube.com/watch?v=mid{n}wife", "https://drive.google.com/file/d/1Ab{n}Xy/view",
          "http://example-health.org/pph-protocol-{n}.pdf"]
_SEARCHES = ["oxytocin", "partograph", "postpartum haemorrhage", "magnesium sulfate eclampsia", "breastfeeding",
             "neonatal resuscitation checklist", "kangaroo mother care", "partogramme", "sepsis", "misoprostol dose"]
COMMANDS = ("/help", "/whoami", "/search", "/top", "/rules", "/homework")


@dataclass(frozen=True, slots=True)
class Line:
    """One message of the stream.

    Attributes:
        index: position in the whole stream (unique: platform message ids derive from it).
        kind: "message", "reply", "command" or "link".
        text: what the member typed.
        chat: group index (0..GROUPS-1).
        user: member index (0..MEMBERS-1).
        at: seconds on the stream's virtual clock.
        reply_to: index of the earlier line of the same group this one replies to.
        quoted: that line's text and author, as the platform shows the quoted message.
    """

    index: int
    kind: str
    text: str
    chat: int
    user: int
    at: float
    reply_to: int | None = None
    quoted_text: str = ""
    quoted_user: int = 0


def member_name(user: int) -> str:
    return FIRST_NAMES[user % len(FIRST_NAMES)]


def _words(rng: random.Random) -> str:
    """A message of 3 to 40 words: most are short, a few are long paragraphs."""
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(_SHORT) if rng.random() < 0.5 else " ".join(rng.choice(_SENTENCES_EN).split()[:rng.randint(3, 6)])
    target = rng.randint(6, 14) if roll < 0.75 else rng.randint(15, 40)
    pool = _SENTENCES_FR if rng.random() < 0.3 else _SENTENCES_EN
    words: list[str] = []
    while len(words) < target:
        words += rng.choice(pool).format(n=rng.randint(1, 12)).split()
    text = " ".join(words[:target])
    return text + ("?" if rng.random() < 0.3 else ".")


def _command(rng: random.Random) -> str:
    word = rng.choice(COMMANDS)
    if word == "/search":
        return f"/search {rng.choice(_SEARCHES)}"
    return word


class Generator:
    """Produces the stream in order; keeps who posted when and the last lines of each group."""

    def __init__(self, seed: int = 19) -> None:
        self.rng = random.Random(seed)
        weights = [1.0 / (rank + 1) ** 0.8 for rank in range(MEMBERS)]  # unequal activity (Zipf-like)
        order = list(range(MEMBERS))
        self.rng.shuffle(order)
        self.members = order
        self.weights = weights
        self.last_post: dict[int, float] = {}
        self.recent: dict[int, list[Line]] = {g: [] for g in range(GROUPS)}
        self.clock = 0.0
        self.index = 0
        self._kinds = [k for k, _ in SHARES]
        self._shares = [s for _, s in SHARES]

    def _member(self) -> int:
        while True:
            user = self.rng.choices(self.members, self.weights)[0]
            if self.clock - self.last_post.get(user, -1e9) >= MEMBER_GAP:
                return user

    def _group(self, user: int) -> int:
        home = user % GROUPS
        return (home + 1 + user % 7) % GROUPS if user % 5 == 0 and self.rng.random() < 0.3 else home  # some are in two

    def next(self) -> Line:
        rng = self.rng
        self.clock += rng.expovariate(1.0 / MEAN_GAP)
        user = self._member()
        chat = self._group(user)
        kind = rng.choices(self._kinds, self._shares)[0]
        recent = self.recent[chat]
        reply_to: Line | None = None
        if kind == "reply":
            others = [line for line in recent[-REPLY_WINDOW:] if line.user != user]
            if others:
                reply_to = rng.choice(others)
                text = rng.choice(_REPLIES).format(who=member_name(reply_to.user).lower(), n=rng.randint(1, 12))
            else:
                kind, text = "message", _words(rng)
        elif kind == "command":
            text = _command(rng)
        elif kind == "link":
            text = f"{_words(rng)} {rng.choice(_LINKS).format(n=rng.randint(100, 999))}"
        else:
            text = _words(rng)
        line = Line(self.index, kind, text, chat, user, self.clock,
                    reply_to=reply_to.index if reply_to else None,
                    quoted_text=reply_to.text if reply_to else "", quoted_user=reply_to.user if reply_to else 0)
        self.index += 1
        self.last_post[user] = self.clock
        recent.append(line)
        if len(recent) > 4 * REPLY_WINDOW:
            del recent[:-REPLY_WINDOW]
        return line

    def take(self, count: int) -> list[Line]:
        return [self.next() for _ in range(count)]


def lines(count: int, seed: int = 19) -> list[Line]:
    """The first `count` lines of the stream (deterministic)."""
    return Generator(seed).take(count)
