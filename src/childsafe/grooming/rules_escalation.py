"""Rules for the escalation signs: platform moves and contact exchange, gifts, photo and
video-call requests, meeting requests, pressure after a refusal, and age claims.

Pattern syntax: ``patterns``; how rules are applied: ``rules``.
"""

from __future__ import annotations

from childsafe.grooming.categories import Category as Cat
from childsafe.grooming.rules import AGE_UNIT, FAMILY_CALL, THING_PHOTO, Rule, rule

ESCALATION_RULES: tuple[Rule, ...] = (
    # -- platform move / contact exchange ----------------------------------------------------
    rule(
        Cat.PLATFORM_MOVE,
        "add_me_on",
        0.6,
        "add|find|follow|friend|message|msg|dm|text|hmu|reach|ping me on|at|over",
        "add me there",
        "my @APP is|name|handle|username",
        # "could she message me on here": this platform, not another one.
        unless=("me on|over here",),
    ),
    rule(
        Cat.PLATFORM_MOVE,
        "move_chat",
        0.7,
        "move|switch|go|talk|chat|continue|text|message|head *3 @APP|@PRIVATE|app",
        "take this|it *2 @APP|@PRIVATE|app",
        "{somewhere|someplace|some place} *1 else|private|privately|safer|quieter",
        "another|different|other|better|private app|apps|site|chat|platform",
        "move|take|continue this|our|the *1 conversation|chat|convo|talk of|off",
        "this app|site|game|chat|server|platform *3 monitored|watched|moderated|public|spied|"
        "logged|reads|read|checked",
        # Another app named only by a name no list can hold: "better if we talk on quillchat",
        # "its easier to send pics there".
        "{better|easier|safer|easiest|best} if we talk|chat|text|message on|there|over",
        "{better|easier|safer|easiest|best} to talk|chat|text|message|send *2 {there|on it|over "
        "there|on}",
    ),
    rule(
        Cat.PLATFORM_MOVE,
        "have_app",
        0.5,
        "do|have you have|got|use *2 @APP",
        "do you have *1 your own *1 phone|number|cell",
        "download|get|install @APP",
        "download|install *2 app",
        "{are you|r u|you|u} on @APP",
    ),
    rule(
        Cat.PLATFORM_MOVE,
        "ask_number",
        0.6,
        "what is your *1 number|phone|cell|email|handle|username|@APP",
        "give|send|text|tell me *1 your *1 number|phone|cell|email|address",
        "{my number is|here is my number|my cell is|save my number}",
        "text|call me *2 number|phone|cell",
        "your number so",
        unless=(
            "from your *2 phone",
            "jersey|shirt|locker|seat|room|student|lucky|favorite|house|bus|table|player|"
            "order|ticket|page|question|team|membership|member|id number",
        ),
    ),
    # -- gifts and currency ------------------------------------------------------------------
    rule(
        Cat.GIFTS,
        "offer",
        0.6,
        "i will|can|could|would|might|going|gonna *2 buy|send|give|gift|get|pay|order *1 "
        "you *3 @CURRENCY|@GIFT|@GIFT_THING|money|new|whatever",
        "i will|can|could|would *1 buy|send|get you *1 @AGE|@AMOUNT|some",
        "i will|can|could|would *1 give you *1 @AMOUNT",
        "will|can|could|would|might|to *1 gift you",
        "i *1 sent|bought|got you *3 @CURRENCY|@GIFT|@GIFT_THING",
        "let me *1 buy|get|send|gift you *3 @CURRENCY|@GIFT|@GIFT_THING|money",
        "{how about|what if} i *1 buy|get|send|gift you",
        "want|like to *1 buy|send|get|give you *2 @CURRENCY|@GIFT|@GIFT_THING|something",
        "{want you to have|love you to have|like you to have} *1 it|them|this|these|one",
        "treat you to *2 @CURRENCY|@GIFT_THING|something|anything|some",
        "i *1 have|got|bought *2 @GIFT|something for you",
        "want|like *2 free @CURRENCY|@GIFT_THING|stuff",
        "pay for your|ur|a|the? *1 phone|bill|ticket|game|skins|pass|membership|upgrade",
        "top up *2 your|you|account|@CURRENCY",
        "topup|reload *2 your|you|account|@CURRENCY",
        unless=(
            "@TRADE",
            "for *2 @ITEM",
            "gift|present *3 for @PARENT|@SIBLING",
            # A present for an occasion, the way relatives give them.
            "for *1 christmas|birthday|bday|holidays|graduation|hanukkah|eid|diwali|easter",
        ),
    ),
    # -- photo / video-call requests ---------------------------------------------------------
    rule(
        Cat.PHOTO_REQUEST,
        "send_pic",
        0.55,
        "send|show|give|post|share|take|snap *1 me *3 @PHOTO",
        "send|share|post|take *2 @PHOTO *1 for me",
        "can|could|may i *1 see|get|have *1 a|some|more|one|your? @PHOTO",
        "more @PHOTO",
        "send|take|post a|some|one|any @PHOTO",
        "{want to|need to|i wanna|want a|need a} *2 @PHOTO of you",
        unless=(
            *THING_PHOTO,
            # A check-in photo: "send me a pic when you get there".
            "@PHOTO *1 when|once you *1 get|arrive|reach",
        ),
    ),
    rule(
        Cat.PHOTO_REQUEST,
        "pic_of_you",
        0.8,
        "@PHOTO *1 of {you|yourself|your face|ur face}",
        "what *1 you look like",
        "show me *1 {you|yourself|your face}",
        "see *1 your face",
        "@PHOTO *2 in your room|pajamas|uniform|outfit|dress|bed",
        unless=(
            "@PHOTO of your|ur *1 @THING",
            "you *1 look like *2 @PARENT|@SIBLING|twins|twin",
        ),
    ),
    rule(
        Cat.PHOTO_REQUEST,
        "video_call",
        0.6,
        "turn|switch|put|get *1 on your? @CAM",
        "turn|switch|put your? @CAM on",
        "on @CAM",
        "{let us|can we|could we|want to|we should|we could|we can|how about|wanna} *2 "
        "@CAM call|chat|calls|chatting|now|tonight",
        "{can you|could you|will you} *2 @CAM call|chat",
        "@CAM call|chat *1 me|tonight|now|later|just",
        "{i could|i can|i will|let me|we could|we can} *1 @CAM call|chat you",
        # Saying who is not on camera is not asking anyone on: "nobody's on camera tonight".
        unless=(
            *FAMILY_CALL,
            "{nobody|nobodys|no one} *2 on @CAM",
            "{i am|we are|were} not on @CAM",
        ),
    ),
    # -- meeting requests --------------------------------------------------------------------
    rule(
        Cat.MEETING_REQUEST,
        "meet",
        0.7,
        "meet|meetup|hang|hangout *3 irl|person|real|alone|privately|secretly|sometime|"
        "weekend|soon|someday|finally|somewhere",
        "{want to|should|could|can we|let us|like to|love to|would you|we should|we could} *1 "
        "meet|meetup|hang|hangout",
        "{can you|could you|will you} meet me",
        "meet up",
        "come|be alone",
        "see|meet you *2 on your own|by yourself",
        "{do not|dont} bring anyone",
        unless=(
            "@PUBLIC_PLACE",
            "meet *2 with the team|class|group|@PARENT",
            "meet your|the @PARENT|@SIBLING|teacher|coach|team",
        ),
    ),
    rule(
        Cat.MEETING_REQUEST,
        "come_get_you",
        0.7,
        "i *1 can|could|will|would *1 {pick you up|come get you|drive you|visit you|come over|"
        "come to your|give you a ride}",
        "come *1 to my place|house|apartment|flat|car|hotel",
        "sneak|come|slip out *2 tonight|night|later|house",
        "i am *3 in|near|around|to your town|city|area|neighborhood|neighbourhood",
        "i live *1 near|close|nearby",
        "i am *1 nearby",
        "i am *1 close by",
        "i *1 can|could|will|would *1 drive|come|travel|fly|ride *2 to your town|city|area|house|"
        "place|school|street",
        unless=("from|at|after *1 practice|training|game|station|airport|club|lesson|match",),
    ),
    rule(
        Cat.MEETING_REQUEST,
        "location",
        0.5,
        "where *1 do you live",
        "what is your address",
        "what town|city|area|street *1 do|are you *1 live|in|from",
        "is there *2 cafe|park|mall|shop|place near you",
        "{how far|how close} *3 from you|your",
    ),
    # -- pressure after refusal --------------------------------------------------------------
    rule(
        Cat.PRESSURE,
        "guilt",
        0.8,
        "if you *2 liked|loved|cared|trusted|like|love|care|trust *2 me *3 you would|will",
        "after all|everything i *2 did|done|gave|bought|sent|do",
        "you *1 not trust me",
        "you owe me",
        "i thought *1 you were|are|was mature|different|my|cool|special|grown",
        "i *1 thought we were *1 friends|close|special",
        "{do not you|why do not you} trust|like|care",
        "if you *2 cared|loved|liked|trusted *3 you would|will",
        "been so nice|good|kind|generous to you",
        "this is what i get",
        "least you can do",
        "thought we were *1 friends|close|special",
    ),
    rule(
        Cat.PRESSURE,
        "insist",
        0.6,
        "you promised",
        "you said you would",
        "stop|quit ignoring me",
        "why *2 ignoring me",
        "answer me",
        "just this once|one time",
        "it is *1 just|only *2 @PHOTO|call|video|selfie|minute",
        "please please",
        "come on|cmon *2 nobody|no|just|please|it",
        "not be *2 baby|boring|lame|mean|rude|difficult|chicken",
        # Making it ordinary, or holding the child to the chat.
        "everyone|everybody does it|this",
        "it is not *1 weird|a big deal",
        "{do not|not going to|not gonna|never} ghost me",
        "please|pls|plz *2 just|only for a *1 sec|second|minute|min",
        "it would|will be *1 quick",
        "last chance",
        "one time offer",
        # A promise about a task (the essay, practice, chores), not about the adult.
        unless=("promised *4 hand|turn|bring|finish|clean|practice|study|@THING",),
    ),
    rule(
        Cat.PRESSURE,
        "threat",
        0.8,
        "i will|am|might *1 tell everyone|everybody|your|people",
        "you will|would *1 regret|sorry",
        "or else",
        unless=("tell *4 hi|hello|congrats|congratulations|thanks|happy|proud",),
    ),
    rule(
        Cat.PRESSURE,
        "sad_if_not",
        0.7,
        "i will|would|am be? *2 sad|upset|hurt|mad|angry|disappointed|heartbroken *2 if you *1 "
        "not|never|say|do|ignore|leave",
        "you are|your hurting me",
        "you make me *1 sad|upset|mad",
        "hurting|hurt my feelings",
        "you are ignoring me",
        "by ignoring me",
    ),
    # -- age claims and age deception --------------------------------------------------------
    rule(
        Cat.AGE_DECEPTION,
        "claim",
        0.3,
        "i am only|just|almost|nearly|turning|like|actually|really|literally? @AGE",
        "i *1 just? turned|turn|turning @AGE",
        "my age is @AGE",
        "i am *1 @AGE years|yo|year",
        "@AGE yo|m|f here|too|btw",
        unless=AGE_UNIT,
        claims_age=True,
    ),
    rule(
        Cat.AGE_DECEPTION,
        "downplay",
        0.7,
        "age is *1 just|only a number",
        "age *4 not matter|matters",
        "younger than i look|sound|seem",
        "lie|lied|lying|fib|fibbed about my age",
        "not *1 worry|care about *1 my|the|our age",
        "i am not that|much|really|way|very|so *1 older",
        "{only|just} a few|couple *1 years older",
        "i am a? kid|teen|teenager|young too",
        "i am *1 your age",
        "same age as you",
        "not *1 worry|care about how old i am",
        "not like other adults|grownups|old",
    ),
    rule(
        Cat.AGE_DECEPTION,
        "profile_wrong",
        0.7,
        "my profile *2 says|said|wrong|old|fake",
        "age on|in my profile|account|page *3 not|fake|wrong",
        # A child putting their profile right gives the number ("12 lol my profile says 13",
        # "my profile says 12 bc i typed it wrong"): the age claim, checked against the
        # declared age, is the evidence there, not the remark.
        unless=("my profile *2 says|said|is *1 @AGE",),
    ),
)
