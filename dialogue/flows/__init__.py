"""The conversation flows the engine can run."""
