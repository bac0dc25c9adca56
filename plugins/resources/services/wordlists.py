"""Word lists for question topics, per language (folded: lower case, no accents).

Stop words are grammar and question framing; chatter is what members write around questions that is
not about a topic (greetings, thanks, talk about the chat itself); aspects are the facets many
questions share whatever their subject (the dose, the storage, the signs). Adding a language is
adding its three lists here and to the unions at the end.
"""

from __future__ import annotations

STOPWORDS_EN = frozenset("""
a about above after again against all also am an and any anybody anyone are as at be because been before being
below best between both but by can cannot could did do does doing done down during each else ever every few for
from further get gets getting give given giving go got had has have having he her here hers him his how however i
if in into is it its just kindly know knows let like long make many may me might more most much must my need
needed needs no nobody none nor not now of off often ok okay on once one only or other others our out over own
please pls plz possible proper properly really right same say shall she should so some somebody someone something
still such sure take tell than that the their them then there these they thing things this those through time
times to too under until up us use used using usually very want was way ways we well were what whatever when
where whether which while who whom whose why will with without would yes yet you your
explain advise advice help near ask asking asked answer answers question questions tips tip idea ideas
another next last week anyway safe safely sign signs symptom stop stopping mother mothers woman women patient patients lady
health centre center facility hospital clinic
iu mg mcg ml kg cm mm im iv minute minutes hour hours day days
""".split())

STOPWORDS_FR = frozenset("""
a afin ai aie ainsi alors apres as au aucun aucune aussi autre autres aux avant avec avez avoir avons bien bon
bonne c ca car ce ceci cela celle celui ces cet cette chaque chez ci comme comment d dans de des deja doit doivent
donc dont du elle elles en encore entre est et etaient etait ete etre eu faire fait faut fois font il ils j je
jusqu l la le les leur leurs lors lui m ma mais me meme mes moi moins mon n ne ni non nos notre nous on ont ou
oui par parce pas pendant personne peu peut peuvent plus pour pourquoi puis qu quand que quel quelle quelles
quels qui quoi s sa sans savoir sait sais se sera ses si soit son sont sous sur svp stp t ta te tes toi ton
tous tout toute toutes tres tu un une vers voila vos votre vous vraiment y quelqu quelquun cas combien moment
temps heure heures faire dire donner utiliser aider aide conseil conseils normal normalement possible mieux
meilleur meilleure question questions reponse suis es sommes etes vais va vas allons allez vont fais font
autre prochain prochaine derniere dernier semaine signe signes connait connais peux hors arreter arret mere meres femme femmes patiente
patientes patient patients dame centre sante poste hopital clinique formation
ui mg mcg ml kg cm mm im iv minute minutes jour jours
""".split())

# What members write around questions that is not about a topic: greetings, thanks, and talk about
# the chat itself (posting, links, photos, the next meeting). A question made only of these is dropped.
CHATTER_EN = frozenset("""
hello hi hey dear morning afternoon evening good greetings welcome everyone everybody all team colleagues
friends sisters group chat post posting message messages photo picture video voice audio link admin join
joined add anyone here there test testing hear see receive received sent send session meeting zoom call today
tomorrow online connection internet thanks thank sorry bye working work bot active certificate training share
colleague colleagues cohort read rules
""".split())

CHATTER_FR = frozenset("""
bonjour bonsoir salut coucou cheres chers chere cher collegues amies amis soeurs fille filles monde groupe poster
publier message messages photo video vocal audio lien admin rejoindre ajouter ici la entend voir recu envoye
envoyer session reunion appel aujourd hui demain maintenant connexion merci beaucoup pardon desole demander
journee nouvelle nouveau marche supprime whatsapp formation prochaine clair partager cohorte
""".split())

# Facets that many questions share whatever their subject (the dose, the storage, the signs...). Two
# questions whose subjects differ are two topics even when they share the facet: "misoprostol dose"
# and "oxytocin dose" (a small group has too few questions to learn that "dose" is common).
ASPECTS_EN = frozenset("""
dose doses dosage dosing amount store storage stored storing keep kept temperature sign symptom symptoms
treatment treat treating manage management prevent prevention cause causes risk risks duration timing often
frequency route position positions technique method check checking monitor monitoring test testing screening
effect effects indication indications normal danger dangerous
""".split())
ASPECTS_FR = frozenset("""
dose doses dosage quantite conserver conservation stockage stocker garder temperature symptome symptomes traitement
traiter prevenir prevention cause causes risque risques duree frequence voie position positions technique methode
verifier surveiller surveillance controle depistage effet effets indication indications danger dangereux
""".split())

STOPWORDS = STOPWORDS_EN | STOPWORDS_FR
CHATTER = CHATTER_EN | CHATTER_FR
ASPECTS = ASPECTS_EN | ASPECTS_FR
