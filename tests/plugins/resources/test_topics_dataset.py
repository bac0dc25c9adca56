"""Micro-lecture planning on a recorded set of questions from midwives (data/midwife_questions.txt):
paraphrases in English and French are grouped into topics, greetings and noise are dropped, topics are
ranked by distinct askers, unanswered ones first, in /faq and in the topic poll.

The expected topic groups are written down here, text by text. A "topic" is one question a
micro-lecture would answer: oxytocin storage and oxytocin dose are two topics, like KMC at night and
KMC hours a day; the French and English wordings of one question are one topic.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core import SendPoll
from plugins.resources import logic
from plugins.resources.services import search, topics

from tests.plugins.resources.conftest import save

DATA = Path(__file__).parent / "data" / "midwife_questions.txt"

# The cohort's glossary ([plugins.resources] synonyms): abbreviations and the French words of its topics.
SYNONYMS = {
    "pph": ["postpartum haemorrhage", "postpartum hemorrhage", "hémorragie du post-partum", "hpp",
            "hémorragie après l'accouchement", "bleeding after birth"],
    "oxytocin": ["ocytocine", "oxytocine", "syntocinon"],
    "store": ["storage", "keep", "kept", "conserver", "conservation", "stocker", "stockage", "garder"],
    "fridge": ["refrigerator", "frigo", "réfrigérateur", "cold chain", "chaîne du froid", "cool box"],
    "cord": ["cordon", "umbilical cord", "cordon ombilical"],
    "clamp": ["clamper", "clampage"],
    "delayed": ["tardif", "late"],
    "kmc": ["kangaroo mother care", "kangaroo care", "kangaroo", "méthode mère kangourou", "méthode kangourou",
            "soins kangourou", "kangourou", "peau à peau", "skin to skin"],
    "night": ["nuit"],
    "breastfeeding": ["allaitement", "allaiter", "breastfeed", "breast feeding"],
    "latch": ["attachment", "prise du sein", "mise au sein"],
    "mgso4": ["magnesium sulfate", "magnesium sulphate", "sulfate de magnésium", "magnesium"],
    "eclampsia": ["éclampsie"],
    "newborn": ["nouveau-né", "neonatal", "néonatal", "baby", "bébé"],
    "resuscitation": ["réanimation", "resuscitate", "réanimer", "bag and mask", "ballon et masque", "ambu"],
    "tear": ["déchirure"],
    "perineal": ["périnéale", "périnée", "perineum", "périnéal"],
    "repair": ["suture", "suturer", "réparer"],
    "anaemia": ["anemia", "anémie"],
    "iron": ["fer"],
    "pregnancy": ["grossesse", "pregnant"],
    "dose": ["dosage", "how much"],
    "monitor": ["surveiller", "surveillance", "monitoring"],
    "hours a day": ["heures par jour", "hours each day", "hours per day"],
    "fill": ["remplir"],
    "partograph": ["partogramme"],
    "jaundice": ["ictère", "jaunisse"],
    "care": ["soins", "soin"],
    "retained placenta": ["rétention placentaire", "placenta retenu"],
    "manual removal": ["délivrance artificielle", "manual extraction"],
    "mastitis": ["mastite"],
    "depression": ["dépression", "baby blues"],
    "contraception": ["family planning", "planification familiale"],
    "postpartum": ["after birth", "après l'accouchement", "after delivery"],
    "hiv": ["vih"],
    "hypothermia": ["hypothermie"],
    "bcg": ["bcg vaccine", "vaccin bcg"],
    "vaccine": ["vaccin", "vaccination"],
}

EXPECTED = {
    "misoprostol": (
        'What is the dose of misoprostol for PPH?',
        'How much misoprostol do we give for postpartum haemorrhage?',
        "Quelle est la dose de misoprostol en cas d'hémorragie du post-partum ?",
        '/search misoprostol',
        "Misoprostol pour l'HPP : combien de comprimés ?",
        'Hello everyone, what dose of misoprostol should I give for PPH at a health post?',
        '/search misoprostol dose',
        'misoprostol 600 or 800 mcg for pph?',
        "Dose du misoprostol pour une hémorragie après l'accouchement ?",
        'Can we give misoprostol sublingually for PPH?',
        '/chercher misoprostol hpp',
        'Is misoprostol safe for postpartum hemorrhage?',
        'Personne ne sait pour le misoprostol ?',
        "Bonsoir, le misoprostol par voie sublinguale pour l'HPP, quelle dose ?",
        'Still no answer about misoprostol for PPH?',
        '/search misoprostol pph',
    ),
    "oxytocin_storage": (
        'How should we store oxytocin?',
        'Can oxytocin be kept outside the fridge?',
        'What temperature for oxytocin storage?',
        "Comment conserver l'ocytocine sans réfrigérateur ?",
        'How long can oxytocin be kept out of the cold chain?',
        "L'ocytocine doit-elle être gardée au frigo ?",
        'Is oxytocin still good after a week without a fridge?',
        '/chercher conservation ocytocine',
        '/search oxytocin storage',
        "Stockage de l'ocytocine dans un centre de santé sans électricité ?",
        'Anyone? How do you store oxytocin?',
        '/search oxytocin fridge',
        '/search oxytocin storage temperature',
    ),
    "cord_clamping": (
        'When should we clamp the cord?',
        '/search cord clamping',
        'Quand faut-il clamper le cordon ?',
        'Delayed cord clamping: how many minutes?',
        'Clampage tardif du cordon, combien de minutes ?',
        'Do you wait for the cord to stop pulsating before clamping it?',
        '/chercher clampage cordon',
        'Is immediate cord clamping ever recommended?',
        'how long should we wait before clamping the umbilical cord?',
        '/search clamp cord',
        '/search delayed cord clamping',
        'Still nobody for the cord clamping question?',
    ),
    "magnesium": (
        'What is the loading dose of magnesium sulfate for eclampsia?',
        'How do we give MgSO4 for eclampsia?',
        "Sulfate de magnésium : quelle dose de charge pour l'éclampsie ?",
        '/search magnesium sulphate eclampsia',
        'IM or IV magnesium sulfate for eclampsia in a health post?',
        '/chercher sulfate de magnésium éclampsie',
        'magnesium sulfate regimen for eclampsia?',
        'Dose de sulfate de magnésium pour une éclampsie ?',
        '/chercher sulfate de magnésium dose',
        '/search mgso4 dose',
    ),
    "magnesium_monitoring": (
        'Magnesium sulfate toxicity: how do we monitor it?',
        'Comment surveiller une patiente sous sulfate de magnésium ?',
        'How do we monitor a woman on magnesium sulfate?',
    ),
    "kmc_night": (
        'Can kangaroo mother care continue at night?',
        'kangaroo care at night, is it safe?',
        'KMC at night?',
        'Anyone? Kangaroo care during the night?',
        'Please, kangaroo mother care at night: yes or no?',
        "La méthode mère kangourou la nuit, c'est possible ?",
        'Peau à peau la nuit pour les prématurés ?',
        '/search kmc night',
        'Do mothers keep the baby skin to skin while sleeping at night?',
        'Soins kangourou pendant la nuit : comment faire ?',
        '/chercher kangourou nuit',
    ),
    "kmc_duration": (
        'How many hours a day should kangaroo mother care last?',
        "Combien d'heures par jour pour la méthode kangourou ?",
        'KMC for babies under 2 kg, how many hours each day?',
    ),
    "breastfeeding_latch": (
        'How do I know the baby is latched on well when breastfeeding?',
        'Allaitement : comment vérifier la prise du sein ?',
        'Signs of a good latch during breastfeeding?',
        "Comment corriger une mauvaise prise du sein pendant l'allaitement ?",
        'Breastfeeding: how to check the latch?',
        '/search breastfeeding latch',
        'What is a good attachment at the breast when breastfeeding?',
    ),
    "bcg": (
        'How do I store BCG vaccines without a fridge?',
        'how to store bcg vaccine without fridge',
        'Comment conserver le vaccin BCG sans frigo ?',
        'Can BCG vaccine be stored in a cool box?',
        '/search bcg vaccine storage',
        "Où stocker le vaccin BCG quand il n'y a pas de réfrigérateur ?",
    ),
    "oxytocin_dose": (
        'What is the dose of oxytocin for PPH?',
        'what dose of oxytocin for pph?',
        "Quelle est la dose d'ocytocine pour une HPP ?",
        'Oxytocin dose for PPH prevention?',
        "Dose d'ocytocine pour prévenir l'hémorragie du post-partum ?",
        '10 IU oxytocin IM or IV for PPH?',
        '/search oxytocin dose',
        "Ocytocine 10 UI en IM pour l'HPP ?",
        'How much oxytocin do we give to prevent PPH?',
    ),
    "resuscitation": (
        'How do I use the bag and mask on a newborn who is not breathing?',
        "Réanimation du nouveau-né : combien d'insufflations par minute ?",
        'Newborn resuscitation: when do we start bag and mask ventilation?',
        '/chercher réanimation nouveau-né',
        'What is the golden minute in newborn resuscitation?',
        'How many breaths per minute when ventilating a newborn with the bag and mask?',
        '/search bag and mask',
    ),
    "perineal_tear": (
        'How do we repair a second degree perineal tear?',
        'Comment suturer une déchirure périnéale du 2e degré ?',
        'Which suture for perineal tears?',
        '/chercher suture déchirure périnée',
        'Perineal tear repair under local anaesthesia, any tips?',
        'Nobody knows how to repair a perineal tear?',
    ),
    "anaemia": (
        'How much iron should pregnant women take for anaemia?',
        'Fer pendant la grossesse pour une anémie : quelle dose ?',
        'Treating anemia in pregnancy with iron tablets?',
        'Anémie pendant la grossesse, combien de comprimés de fer ?',
        '/search iron anaemia pregnancy',
    ),
    "partograph_fill": (
        'How do I fill in the partograph?',
        'Comment remplir le partogramme ?',
        '/search partograph filling',
    ),
    "partograph_alert": (
        "Partogramme : quand franchir la ligne d'alerte ?",
        'What does crossing the alert line on the partograph mean?',
    ),
    "jaundice": (
        "Ictère du nouveau-né : quand faut-il s'inquiéter ?",
        'When is newborn jaundice dangerous?',
        'Jaunisse du bébé au 2e jour, est-ce normal ?',
        '/search neonatal jaundice',
        '/search jaundice',
    ),
    "cord_care": (
        'How should we care for the umbilical cord after birth?',
        'Soins du cordon ombilical : chlorhexidine ou rien ?',
        'Cord care at home: is chlorhexidine needed?',
        'What cord care do you teach mothers?',
    ),
    "retained_placenta": (
        'What do we do for a retained placenta?',
        'Rétention placentaire : quand faire la délivrance artificielle ?',
        'Retained placenta after 30 minutes, manual removal?',
    ),
    "mastitis": (
        'How do we treat mastitis in a breastfeeding mother?',
        "Mastite : faut-il arrêter d'allaiter ?",
        'Mastitis: should she stop breastfeeding?',
    ),
    "depression": (
        'How do we recognise postpartum depression?',
        'Dépression du post-partum : quels signes chercher ?',
        'Signs of postpartum depression?',
    ),
    "family_planning": (
        'Which contraception can a breastfeeding mother use after birth?',
        'Contraception du post-partum : implant ou DIU ?',
        'Postpartum family planning options?',
    ),
    "hiv_feeding": (
        'Can a mother living with HIV breastfeed her baby?',
        'HIV positive mother: breastfeeding or formula?',
    ),
    "prom": (
        'Quelle est la conduite à tenir devant une rupture prématurée des membranes ?',
        'Can a midwife give antibiotics for premature rupture of membranes?',
    ),
    "hypothermia": (
        'How do we prevent hypothermia in a newborn?',
        'Hypothermie du nouveau-né : comment la prévenir ?',
    ),
}
SINGLE_QUESTIONS = (
    'What are the danger signs of sepsis in a newborn?',
    'Faut-il donner de la vitamine K à tous les nouveau-nés ?',
    'How do I manage shoulder dystocia?',
    'How do we check the fetal heart rate without a Doppler?',
    'Comment reconnaître un travail prolongé ?',
    'Is it normal for a newborn to lose weight in the first week?',
    'Quand faire le premier bain du bébé ?',
    'What should be in a birth preparedness plan?',
    'Comment prendre en charge une grossesse gémellaire au centre de santé ?',
    '/search malaria prevention in pregnancy',
    '/chercher tétanos vaccination grossesse',
    'How often should antenatal visits be?',
    "Quels sont les signes d'une infection urinaire pendant la grossesse ?",
    'How do I counsel a woman after a stillbirth?',
    "Comment gérer une présentation du siège à l'accouchement ?",
    'What is the normal blood pressure in pregnancy?',
    'Quel antibiotique pour une endométrite du post-partum ?',
    'Can a woman with a previous caesarean give birth at the health centre?',
    "Comment calculer la date prévue d'accouchement ?",
    '/search cervical cancer screening',
    'How do we dispose of the placenta safely?',
    'What is the treatment for syphilis in pregnancy?',
    'Comment reconnaître une infection du nouveau-né ?',
    '/search pelvic floor exercises',
    'When do we give the first dose of hepatitis B vaccine?',
    "Comment prévenir l'infection après une césarienne ?",
    'How do we test for gestational diabetes?',
    'Quels sont les signes de la pré-éclampsie ?',
)
NOISE = (
    'hello, can I post now?',
    'Good morning everyone, how are you?',
    'Bonjour à toutes, je peux poster ici ?',
    'Is anyone here?',
    'Ça va tout le monde ?',
    'Who is the admin of this group?',
    'Vous avez reçu mon message ?',
    'Can you see my photo?',
    "Bonsoir, c'est bien le groupe de la cohorte 7 ?",
    'Hi all, can everyone hear me?',
    'When is the next session?',
    'La réunion de demain est à quelle heure ?',
    'Is the zoom link the same as last week?',
    "Quelqu'un a le lien ?",
    'Did you receive my voice message?',
    "Merci beaucoup, c'est clair ?",
    'ok?',
    'Quoi ??',
    'Hello? Hello?',
    'Bonjour, je suis nouvelle ici, comment ça marche ?',
    'Thank you so much, can I ask another question?',
    'Can I share a link here?',
    '/search AND( "* NEAR',
    '/search "*"',
    '/search OR OR',
    '/chercher ?????',
    '/search NEAR(',
    '/search +251 911 22 33 44',
    '/search ...',
    'Salut les filles, ça va ?',
    'Good evening sisters, is the group still active?',
    'What?',
    'Did everyone get the certificate link?',
    'Can someone add my colleague to the group?',
    "Qui peut m'ajouter au groupe WhatsApp ?",
    'Are we meeting today?',
    'Pourquoi mon message a été supprimé ?',
    'Hello, is this working?',
    "Quelqu'un est là ?",
    '/search ^^^ :: **',
    'Bonjour ! Bonne journée à toutes ?',
    'Can I call you?',
    'Testing, testing?',
    '/chercher NOT',
    'Hello hello, is the bot working?',
    'Are you there?',
    'Who sent this?',
    "C'est quand la prochaine formation ?",
    'Bonjour tout le monde, vous allez bien ?',
    'Good morning, can everybody read my messages?',
    'Is this the right group for questions?',
    '/search the',
    'Hi, how do I use this bot?',
)


# What the library answers (saved before the questions are replayed).
LIBRARY = (
    "/save https://example.org/oxy Oxytocin dose for PPH: 10 IU IM protocol #pph #oxytocin",
    "/save https://example.org/bcg Storing BCG vaccines without a fridge #vaccines",
    "/save https://example.org/latch Breastfeeding: checking a good latch (attachment) #breastfeeding",
    "/save https://example.org/parto Partograph: how to fill it in, alert and action lines #labour",
    "/save https://example.org/pe Prise en charge de la pré-éclampsie #protocole",
)
# The unanswered topics, most askers first (ties: more questions, then the first asked).
UNANSWERED_ORDER = ("misoprostol", "oxytocin_storage", "cord_clamping", "magnesium", "kmc_night", "resuscitation",
                    "perineal_tear", "anaemia", "jaundice", "cord_care")
ANSWERED_ORDER = ("oxytocin_dose", "breastfeeding_latch", "bcg", "partograph_fill", "partograph_alert")


def recorded() -> list[tuple[str, str]]:
    """(member, text) of every recorded message, in order."""
    out = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            member, _, text = line.partition("> ")
            out.append((member, text))
    return out


def askers(name: str) -> int:
    texts = set(EXPECTED[name])
    return len({member for member, text in recorded() if text in texts})


def _asked(member: str, text: str) -> topics.Asked | None:
    for command in ("/search ", "/chercher "):
        if text.startswith(command):
            return topics.Asked(text[len(command):], member, "search", 0)
    return topics.Asked(text, member, "message") if logic.is_question(text) else None


def test_the_recorded_set_is_large_and_every_message_has_an_expected_place():
    messages = recorded()
    grouped = [t for texts in EXPECTED.values() for t in texts]
    assert len(messages) >= 200
    assert {t for _, t in messages} == set(grouped) | set(SINGLE_QUESTIONS) | set(NOISE)
    assert len(set(grouped)) == len(grouped)  # no text in two groups
    french = sum(1 for _, t in messages if any(w in t.lower() for w in (" le ", " la ", " du ", " une ", "/chercher")))
    assert french >= 50


def test_grouping_the_recorded_set_gives_the_expected_topics():
    table, longest = search.compile_synonyms(SYNONYMS)
    glossary = topics.Glossary.build(table, longest)
    found = topics.group([a for a in (_asked(m, t) for m, t in recorded()) if a is not None], glossary=glossary,
                         threshold=0.56)
    groups = {frozenset(w.text for w in topic.wordings) for topic in found}
    for name, texts in EXPECTED.items():
        stripped = frozenset(t.split(" ", 1)[1] if t.startswith("/") else t for t in texts)
        assert stripped in groups, name
    for text in SINGLE_QUESTIONS:
        stripped = text.split(" ", 1)[1] if text.startswith("/") else text
        assert frozenset({stripped}) in groups, text
    noise = {t.split(" ", 1)[1] if t.startswith("/") else t for t in NOISE}
    assert not any(noise & group for group in groups)


HEADERS = {
    "en": ("Most asked in the last 30 days (number of members who asked):", "Not answered in the library yet:",
           "Answered in the library:"),
    "fr": ("Questions les plus posées ces 30 derniers jours (nombre de membres qui les ont posées) :",
           "Sans réponse dans la bibliothèque pour l'instant :", "Avec une réponse dans la bibliothèque :"),
}
POLL_QUESTION = {"en": "Which topic should the next micro-lecture cover?", "fr": "Quel sujet pour la prochaine micro-formation ?"}


def _options(bot) -> tuple[str, ...]:
    """The options of the last poll as members see them: the native poll, or the numbered text poll."""
    polls = bot.actions(SendPoll)
    if polls:
        return polls[-1].poll.options
    text = next(m.text for m in reversed(bot.actions()) if getattr(m, "text", "").count("\n1. "))
    return tuple(line.split(". ", 1)[1] for line in text.splitlines()[1:] if line[:1].isdigit())


def _in_group(wording: str, name: str) -> bool:
    """A /faq or poll wording is one of the group's texts (as shown: a leading greeting dropped)."""
    shown = {topics.display(t.split(" ", 1)[1] if t.startswith("/") else t) for t in EXPECTED[name]}
    stem = wording.rstrip("…")
    return bool(stem) and any(s.startswith(stem) for s in shown)


@pytest.mark.parametrize("platform", ["console", "telegram"])
@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_faq_and_topic_poll_on_the_recorded_set(make_bot, platform, lang):
    cohort = {"chats": [f"{platform}:g1"], "locale": lang, "moderators": [f"{platform}:trainer"],
              "plugins": {"resources": {"insights": True, "synonyms": SYNONYMS}}}
    bot = await make_bot(platform=platform, plugins={"resources", "polls"}, config={"communities": {"cohort7": cohort}})
    for command in LIBRARY:
        await save(bot, command, user="trainer")
    for member, text in recorded():
        await bot.send(text, user=member)
    bot.new_messages()

    await bot.send("/faq", user="trainer")
    lines = bot.next_reply().text.splitlines()
    header, unanswered, answered = HEADERS[lang]
    assert lines[:2] == [header, unanswered]
    split = lines.index(answered)
    shown_open, shown_done = lines[2:split], lines[split + 1:]
    assert len(shown_open) == len(UNANSWERED_ORDER) and len(shown_done) == len(ANSWERED_ORDER)
    for number, (line, name) in enumerate(zip(shown_open + shown_done, UNANSWERED_ORDER + ANSWERED_ORDER), start=1):
        prefix, wording_count = line.split(". ", 1)
        wording, count = wording_count.rsplit(" (", 1)
        assert prefix == str(number) and count == f"{askers(name)})", (line, name)
        assert _in_group(wording, name), (line, name)
    assert askers("misoprostol") == 13 and askers("kmc_night") == 7  # five questions from one member count once
    everything = "\n".join(lines).lower()
    assert "hello" not in everything and "near" not in everything and "poster" not in everything

    await bot.send("/poll topics", user="amina")
    options = _options(bot)
    assert len(options) == 6
    for option, name in zip(options, UNANSWERED_ORDER):
        assert _in_group(option, name), (option, name)
    assert any(POLL_QUESTION[lang] in str(getattr(a, "poll", a)) for a in bot.actions())
