"""Grooming risk in chat as a service: batches of messages scored against state in the store.

``childsafe.grooming`` decides (pure, in memory); this package keeps its memory in the database
so every server process can score any batch, turns band changes into webhooks and review
cases, answers questions about a pair or a sender, and forgets what retention says to forget.
"""

from childsafe.chat.batch import ChatBatch, MessageIn
from childsafe.chat.service import ChatService, IngestResult, PruneReport
from childsafe.chat.views import BandChangeOut, PairView, SenderView

__all__ = [
    "BandChangeOut",
    "ChatBatch",
    "ChatService",
    "IngestResult",
    "MessageIn",
    "PairView",
    "PruneReport",
    "SenderView",
]
