"""Natural-language understanding: Rasa-format training data in, Parse out."""
from nlu.interpreter import Interpreter
from nlu.types import Entity, IntentScore, Parse

__all__ = ["Entity", "IntentScore", "Interpreter", "Parse"]
