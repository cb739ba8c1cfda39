"""Ordinary chit-chat, shared by risky and benign conversations.

Real grooming is mostly ordinary talk about games, school and music; slow conversations bury a
few warning signs in it. The same lines appear in benign conversations, so chit-chat itself
tells nothing. Some lines mention parents, pictures or gifts in passing, as real chat does.
"""

from __future__ import annotations

#: Lines either party can send, asking or telling.
ASKS = [
    "what games do you play?",
    "did you see the new <game> update?",
    "what music are you into?",
    "how was your day?",
    "what did you do this weekend?",
    "do you have any pets?",
    "what's your favorite food?",
    "seen any good shows lately?",
    "what are you up to?",
    "did you finish that level?",
    "what's your main in <game>?",
    "any plans for the holidays?",
    "do you like drawing?",
    "what's the weather like there?",
    "who's your favorite youtuber?",
    "are you going to the concert thing?",
    "what's your favorite subject?",
    "have you tried the new map?",
]
TELLS = [
    "lol same",
    "haha nice",
    "that's cool",
    "omg yes",
    "i love that song",
    "school was so boring today",
    "i have a math test tomorrow ugh",
    "my mom made tacos tonight",
    "my dad took me to the game yesterday",
    "i got a new phone case",
    "we have a dog named Biscuit",
    "i'm stuck on the last level",
    "it's raining here all week",
    "i just got back from practice",
    "my sister keeps stealing my charger",
    "i drew a dragon today",
    "pizza is the best food ever",
    "that boss is impossible",
    "i watched the whole season in one day",
    "my friend showed me a funny video",
    "i'm so tired lol",
    "i have to do chores later",
    "we went to the beach on sunday",
    "i got a new skin in <game>",
    "my grandma is visiting this week",
    "i took a pic of the sunset yesterday, so pretty",
    "my cousin's birthday party was fun",
    "i'm saving up for a new controller",
    "i finally beat my high score",
    "brb dinner",
    "back",
    "ok",
    "lmao",
    "nice",
    "idk",
    "yeah",
    "true",
    "same tbh",
]
GREETINGS = ["hey", "hi", "hey!", "hiii", "yo", "hello", "hey hey", "morning"]
GOODBYES = ["gtg, bye", "ok bye", "night!", "ttyl", "see ya", "gotta go, dinner"]
