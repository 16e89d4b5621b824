"""Knowledge-base retrieval and formats: Chinese search over articles, their files, evaluation and gaps."""
from servicedesk.kb.index import SearchIndex, Signals, Weights
from servicedesk.kb.loaders import KbFormatError, export_folder, load_file, load_path, to_csv, to_markdown, to_yaml
from servicedesk.kb.scope import Scope, visible

__all__ = [
    "KbFormatError", "Scope", "SearchIndex", "Signals", "Weights", "export_folder", "load_file", "load_path", "to_csv",
    "to_markdown", "to_yaml", "visible",
]
