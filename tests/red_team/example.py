"""A placeholder area (removed once the real areas land)."""

from red_team import Case

CASES = [Case("cli-negative-horizon", cli=("run", "--horizon-days", "-5"), exit=2, stderr="horizon")]
