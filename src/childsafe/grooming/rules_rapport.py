"""Rules for the rapport-building signs: age probing, flattery, exclusivity, secrecy,
supervision checks and isolation.

These are the signs that usually come first and are the easiest to mistake for ordinary
kindness, so most of them carry vetoes for the innocent uses visible in the message. Pattern
syntax: ``patterns``; how rules are applied: ``rules``.
"""

from __future__ import annotations

from childsafe.grooming.categories import Category as Cat
from childsafe.grooming.rules import AGE_UNIT, SURPRISE, Rule, rule

#: A compliment about photos a parent or sibling shared: said about the child to the family,
#: not to the child alone.
RELAYED = ("@PHOTO *1 @PARENT|@SIBLING *1 sent|posted|showed|shared",)

RAPPORT_RULES: tuple[Rule, ...] = (
    # -- age probing -------------------------------------------------------------------------
    rule(
        Cat.AGE_PROBING,
        "how_old",
        0.6,
        "how old are you",
        "how old you are",
        "how old *1 you now",
        "how old *2 you be|turn|turning",
        "how old *3 you were",
    ),
    rule(
        Cat.AGE_PROBING,
        "your_age",
        0.6,
        "what is your age",
        "what your age",
        "your age is",
        "ask your age",
        "{tell me|how about|what about|and} your age",
        "{your|ur} real age",
    ),
    rule(Cat.AGE_PROBING, "asl", 0.7, "asl"),
    rule(
        Cat.AGE_PROBING,
        "grade",
        0.5,
        "what|which grade|year *1 you in",
        "what|which grade|year are you",
        "what grade you",
        "what year of school",
        "what|which grade *3 finish|finished|finishing|start|starting|into|entering",
        # A mark on a piece of work, not a school year.
        unless=("grade *4 test|exam|quiz|essay|paper|assignment|homework|project|report",),
    ),
    rule(
        Cat.AGE_PROBING,
        "school_level",
        0.5,
        "{are you|you still|you|do you go to|are you still} *1 "
        "middle|high|elementary|primary|secondary|junior school",
        "middle|elementary|primary school or high|middle|secondary",
        "what school *2 go to|attend",
        "still in school",
        "{are you in|you in} *1 @AGE th|st|nd|rd grade",
    ),
    rule(
        Cat.AGE_PROBING,
        "are_you_age",
        0.5,
        "are you @AGE",
        "you @AGE or @AGE",
        "are you over|under|even @AGE",
        "are you *1 a? kid|child|teen|teenager|minor",
        "how young are you",
        "are you old enough",
        "a? teenager|teen yet",
        "what age are you",
        unless=AGE_UNIT,
    ),
    rule(Cat.AGE_PROBING, "birth", 0.35, "when|what year *1 you born", "when is your birthday"),
    # -- flattery ----------------------------------------------------------------------------
    rule(
        Cat.FLATTERY,
        "for_your_age",
        0.8,
        "mature|grown|smart|wise|grownup|advanced|developed for your age",
        "mature|grown|smart|wise|grownup|advanced for a @AGE year|years|yo",
        "mature|smart|wise|grownup for someone|somebody so|that young",
        # "really mature for 15", "a lot of talent for 14"
        "mature|grownup|advanced|wise|talent|talented for @AGE",
    ),
    rule(
        Cat.FLATTERY,
        "seem_older",
        0.7,
        "you *1 seem|look|sound|act|talk|write|text *2 older|grown|adult",
        "seem|look|sound|act|talk older than",
        "do not *1 seem|look|sound|act|talk @AGE",
        "never would have guessed *3 @AGE",
        "could pass for @AGE",
        "pass for *1 adult|grownup|teenager|older",
        "{grown up|grownup|mature|older} you sound|seem|look|act|talk|write|are",
        "more mature|grownup than",
        "more grown up than",
        unless=RELAYED,
    ),
    rule(
        Cat.FLATTERY,
        "so_mature",
        0.6,
        "you|your are|seem|look|sound|act? so|really|very|super|pretty|totally|such|way "
        "mature|grown|grownup",
        "you|your are? so|really|very|super|such|way? mature|grownup for",
        "so mature *1 you|your",
        "old soul",
        unless=RELAYED,
    ),
    rule(
        Cat.FLATTERY,
        "not_like_others",
        0.6,
        "not like *1 other|most girls|boys|kids|people|teens|guys",
        "different from *1 other|most girls|boys|kids|teens",
        # "way better than ppl my age", "funnier than ppl ur age"
        "better|funnier|smarter|cooler|mature than *2 people|kids|teens|others *1 my|your age",
    ),
    rule(
        Cat.FLATTERY,
        "appearance",
        0.5,
        "you|your are|look? so|really|very|super|such? pretty|beautiful|gorgeous|cute|stunning",
        "such|so a? pretty|beautiful|gorgeous|cute face|smile|girl|boy",
        "pretty|beautiful|gorgeous|cute for your age",
    ),
    rule(Cat.FLATTERY, "special", 0.5, "you|your are so|really|very|truly special"),
    # -- exclusivity -------------------------------------------------------------------------
    rule(
        Cat.EXCLUSIVITY,
        "only_i_understand",
        0.8,
        "only i|me *1 understand|get|know|see you",
        "only one *2 understands|gets|knows|cares|listens|sees *1 you",
        "{no one|nobody|noone} *3 you like|as i|me",
        "{no one|nobody|noone} *2 understands|gets you",
        "{no one|nobody|noone} *2 understands|gets me like you",
        "{no one|nobody|noone} else *2 gets|understands me|you",
        "the only one *3 {really gets|gets|understands} you|your",
        "understand|get you *2 better|more than *1 anyone|them|they|your|@PARENT|@FRIENDS",
    ),
    rule(
        Cat.EXCLUSIVITY,
        "only_trust_me",
        0.8,
        "only trust me",
        "trust me *2 not them|@PARENT|@FRIENDS",
        "i am the only one *2 trust|need",
        "you are the only one *3 i *2 talk|trust|care",
        "you only need me",
        "all you need is me",
        "you have me *1 you do not need",
    ),
    rule(
        Cat.EXCLUSIVITY,
        "special_bond",
        0.6,
        "special to me",
        "{we have|what we have|our} *2 special|connection|bond",
        "connection|bond like ours",
        "never *3 connection|bond|way with anyone",
        "you are my favorite|special|only|favourite person|friend|girl|boy",
        "your number one *1 person|friend",
        "{we are|you and me are|we were|you and i are} meant to be",
        "soulmate|soulmates",
    ),
    rule(
        Cat.EXCLUSIVITY,
        "tell_me_anything",
        0.35,
        "you can tell me anything",
        "you can always talk to me",
        "i am the only one you can talk to",
        "i will always be here for you",
    ),
    rule(
        Cat.EXCLUSIVITY,
        "family_role",
        0.5,
        # An adult who is not family casting themselves as family: "i'm like a big brother to
        # you", "i'm kinda like your uncle now". (Family members introduce themselves; they do
        # not liken themselves to family.)
        "i am *2 like a|an|your|the *1 brother|sister|uncle|aunt|auntie|dad|father|mom|mum|"
        "mother|cousin|godfather|godmother|grandpa|grandma|bro|sis|family",
        "think of me as|like *1 your? *1 brother|sister|uncle|aunt|auntie|dad|father|mom|mum|"
        "mother|cousin|family|bro|sis|grandpa|grandma",
        "{practically|basically} *1 a|an|your|family *1 uncle|aunt|brother|sister|grandpa|family",
        "like family to you|your",
        "like a grandpa|grandma|grandad|granny for|to",
    ),
    rule(
        Cat.EXCLUSIVITY, "just_us", 0.5, "just {you and me|us two|the two of us}", "our own world"
    ),
    # -- secrecy -----------------------------------------------------------------------------
    rule(Cat.SECRECY, "our_secret", 0.8, "our *1 @SECRET", "@SECRET between us", unless=SURPRISE),
    rule(
        Cat.SECRECY,
        "keep_secret",
        0.7,
        "keep|keeping it|this|that|us|everything|what|these|our *3 @SECRET|quiet|private|between",
        "{it is|this is|that is|its} *1 @SECRET okay|ok|right|alright",
        "can you keep a @SECRET",
        "keep it|this|that quiet",
        "keep *3 {just for us|to ourselves|just between}",
        unless=SURPRISE,
    ),
    rule(
        Cat.SECRECY,
        "between_us",
        0.6,
        "{between us|between you and me|between me and you|stays between|stay between}",
        unless=SURPRISE,
    ),
    rule(
        Cat.SECRECY,
        "dont_tell",
        0.7,
        "not|never|no tell|mention|show|say|talk *3 @PARENT|@ANYONE|@FRIENDS|@ADULTS|@SIBLING",
        "{do not|never|no need to} tell|mention *3 about us|me|this|our",
        "not|never tell|mention *3 you|we talk|talking|talked|chat|chatting",
        "not|never bring up *2 {me|my name|us} *4 @PARENT|@ANYONE|@FRIENDS",
        "not|never bring me|us up *4 @PARENT|@ANYONE|@FRIENDS",
        "if your? @PARENT|@ANYONE asks|ask *2 say|tell *2 {you were|you are|it is|it was} *2 "
        "chatting|talking|texting|with",
        # "you don't have to tell your mum", "dont mention the gems to ur parents"
        "{do not|dont|no} {have to|need to} tell *1 your? @PARENT|@ANYONE",
        "not|never mention *4 to your? @PARENT|@ANYONE",
        # "dont mention me to her", "dont need to tell ur team", "dont mention it in clan chat"
        "not|never {mention|bring up} me|us",
        "not|never *2 tell|mention *3 team|group|clan|class|guild|crew|squad|server",
        # a cover story: "just say u found it", "tell her you're at a friend's"
        "say you found|won|earned *1 it|them",
        "{tell|say to} her|him|them *1 {you are|you were|your} at|meeting|seeing",
        "{tell|say to} your? @PARENT *1 {you are|you were|your} at|meeting|seeing",
        unless=(
            *SURPRISE,
            "not tell *2 @PARENT|anyone *2 i said hi|hello",
            "tell *1 my @PARENT|@SIBLING",
        ),
    ),
    rule(
        Cat.SECRECY,
        "nobody_knows",
        0.7,
        "{no one|nobody|noone} *1 needs|has|have to know",
        "{no one|nobody|noone} will *1 know|find",
        "they|@PARENT *1 not|never *1 need|have to know",
        "she|he *1 not|never *1 need|have to know",
        "she|he|they|@PARENT will not|never know",
        "what they do not know",
    ),
    rule(
        Cat.SECRECY,
        "delete",
        0.7,
        "delete|erase|clear|wipe|deleting our|these|this|my|your|the|all *1 "
        "messages|message|chat|chats|texts|convo|conversation|dms|history|pics",
        "delete|erase|wipe|deleting it|this|them|everything *2 after|when|once|before",
    ),
    rule(
        Cat.SECRECY,
        "they_wont_see",
        0.6,
        # "better if we talk on quillchat, he won't look there"
        "@PARENT|he|she|they will|would|can|do|does not|never *1 look|see|check|find|read *1 "
        "there|it|that|those",
        unless=SURPRISE,
    ),
    rule(
        Cat.SECRECY,
        "hide_from_parents",
        0.7,
        "so|that|sure your? @PARENT *2 not|never see|know|find|notice|read|check|hear",
        "not|never let your? @PARENT *1 see|know|find|read|hear|catch",
        "hide|hidden|hiding *3 from *1 @PARENT",
        "@PARENT *1 can|must|should not *1 see|know|find|read",
        "@PARENT *1 would not understand *2 us|this|what",
        unless=SURPRISE,
    ),
    # -- supervision checks ------------------------------------------------------------------
    rule(
        Cat.SUPERVISION_CHECK,
        "parents_around",
        0.7,
        "are|is your? @PARENT *2 home|around|about|awake|asleep|nearby|watching|there|out|away|"
        "gone|working|sleeping|in|close|near",
        "is|are anyone|anybody|someone|people *1 home|there|around|watching|with",
        "who else is *1 home|there|around|with",
        "anyone else *1 home|there|around|with",
        unless=(
            "@PARENT *2 coming|picking|pick *3 game|practice|match|concert|show",
            # Asking for the parent, not checking that the parent is away.
            "{talk to|speak to|speak with|talk with} *1 @PARENT|her|him|them",
            "reschedule|conference|appointment",
            # The parent is wanted and cannot be reached: "her phone keeps going to voicemail",
            # "he's not answering", "put her on", "could she message me", "need a word". Not
            # "ask him ...", "tell her to ...", "i want them to ...": a groomer writes those
            # too ("are your parents around? i dont want them to see our chats").
            "her|his|their phone|cell|mobile|number",
            "not|never *1 answering|picking|replying",
            "put her|him|them on",
            "she|he|they *2 message|ring|call|text|phone me",
            "{need a word|need to ask|need to sort|want to ask}",
            # "it's uncle dev, checking in" reads "it is uncle dev checking in": an introduction.
            "{it is|this is} your? @PARENT",
        ),
    ),
    rule(
        Cat.SUPERVISION_CHECK,
        "alone",
        0.7,
        "are you *1 alone",
        "you *1 home alone",
        "by yourself *2 home|house|room|tonight|right now",
        "home with just|only your? @PARENT|@SIBLING",
        "alone *1 {right now|tonight|at home}",
        # the other half of a question about the parents: "... or are you on your own"
        "or *4 {on your own|by yourself}",
        unless=("alone *2 group|project|team|partner|level|raid|quest",),
    ),
    rule(
        Cat.SUPERVISION_CHECK,
        "parents_schedule",
        0.6,
        "{when|what time} do|does|will your? @PARENT *2 get|come|leave|go|sleep|back|bed",
        "how long *2 @PARENT *2 gone|away|out|work|working",
        "how late do|does|will your? @PARENT *2 work|stay|out",
        "do|does your? @PARENT *1 know *3 {on here|online|talking|chatting|texting}",
        # A parent's working hours asked after: "she still on the late shift?"
        "@PARENT|she|he|they *3 {late|night|evening|overnight|night time} shift|shifts",
        "@PARENT|she|he|they *2 work|works|working late|nights|overnight",
    ),
    rule(
        Cat.SUPERVISION_CHECK,
        "monitoring",
        0.8,
        "do|does|will your? @PARENT *1 check|read|look|go|monitor|see|watch *2 "
        "phone|messages|chats|texts|dms|tablet|laptop|computer|screen|history",
        "can|could|does anyone|anybody|someone|@PARENT *1 see|read|check|hear *2 this|us|chat|"
        "messages|phone|texts|dms|screen",
        # The same with a pronoun for the parent: "do they check ur phone?", "he checks your
        # phone right?"
        "do|does|will they|he|she *1 check|read|look|go|monitor|watch *2 your phone|messages|"
        "chats|texts|dms|tablet",
        "they|he|she {check|checks|read|reads|monitor|monitors|go through|goes through} *1 "
        "your phone|messages|chats|texts|dms|tablet",
        "is your door *1 locked|closed|shut",
    ),
    rule(Cat.SUPERVISION_CHECK, "where", 0.4, "are you in your room", "where are your @PARENT"),
    # -- isolation ---------------------------------------------------------------------------
    rule(
        Cat.ISOLATION,
        "they_dont_understand",
        0.7,
        "your @PARENT|@FRIENDS|@SIBLING *2 not|never understand|get|care|listen|respect|"
        "appreciate|trust|deserve|love",
        "{nobody|no one} at|in school|home *3 understands|gets|appreciates|deserves you",
        # With a pronoun for the parent: "he doesn't get kids like you".
        "he|she|they *1 not|never *1 get|gets|understand|understands|appreciate|appreciates *1 "
        "{kids like you|people like you|you}",
        "they *1 not|never understand *2 us|what|this|we",
        # "parents often don't get creative kids"
        "@PARENT *2 not|never get|understand *2 kids|teens|you",
        "adults|people|everyone *3 not *1 listen|understand|care *2 you",
        "more|better than your @PARENT|@FRIENDS|@SIBLING",
        "care|cares|cared about you *1 like|as i do",
    ),
    rule(
        Cat.ISOLATION,
        "disparage",
        0.6,
        "your @PARENT|@FRIENDS|@SIBLING *3 strict|controlling|overprotective|unfair|immature|"
        "childish|jealous|fake|toxic|babies|using|annoying|lame|boring",
        "they|@PARENT|@FRIENDS *1 just|only? *1 want|try to control you",
        "they|@PARENT|@FRIENDS *2 {holding you back|against you|jealous of you}",
        "you deserve better than them|your",
        "@PARENT *2 mess|ruin|spoil *2 things|everything|it|these|this",
        "@PARENT *1 get|gets weird|funny|strange about",
    ),
    rule(
        Cat.ISOLATION,
        "cut_off",
        0.7,
        "you *1 not need them|your|anyone|anybody|other",
        "forget|ignore|ditch about? them|her|him",
        "forget|ignore|ditch your? @PARENT|@FRIENDS",
        "stop talking|hanging|listening *2 them|@PARENT|@FRIENDS",
        "spend|hang less time with",
        "not listen to your? @PARENT|them",
        "not need *1 permission for everything",
        "you have me *1 instead",
    ),
)
