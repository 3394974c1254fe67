"""Reports: the terminal summary (JSON verdicts, GitHub and JUnit outputs come later)."""
