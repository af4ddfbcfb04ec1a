"""trialmart: clinical-trial registry pages -> an analyst-ready DuckDB warehouse."""

__version__ = "0.1.0"
