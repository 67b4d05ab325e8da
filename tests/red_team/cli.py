"""The command line: output locations checked before simulating, output folders never mixed,
errors of the operating system as one line, spreadsheet formulas in names defused."""

from red_team import Case

#: An experiment that takes a second or two.
FAST = ("--horizon-days", "30", "--replications", "1", "--workers", "1", "--no-progress")

#: Runs ``python -m orgsim ARGS`` and asserts it was refused before simulating: exit 2, one
#: line naming the option, no traceback, nothing printed on stdout.
_REFUSED = """
import subprocess, sys
def refused(*args, option, path):
    done = subprocess.run([sys.executable, "-m", "orgsim", *args], capture_output=True, text=True, check=False)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    assert option in done.stderr and path in done.stderr, done.stderr
    assert done.stdout == "", "simulated before refusing: " + done.stdout
"""

#: A structure file (the format of scenarios/structure_cco.toml) with the name ``NAME``.
_STRUCTURE = """
from pathlib import Path
def structure(file, name):
    Path(file).write_text(
        f"name = {name!r}\\n"
        'marketing_head = "head_of_marketing"\\nsales_head = "head_of_sales"\\n'
        '[reports_to]\\nceo = ""\\nhead_of_marketing = "ceo"\\nhead_of_sales = "ceo"\\n[leaders.ceo]\\nbackground = 0.5\\n',
        encoding="utf-8",
    )
"""

_FORMULAS = """
import csv, gzip, subprocess, sys
from pathlib import Path
names = ["=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "+1|cmd", "\\tTAB", "\\rCR"]
files = []
for i, name in enumerate(names):
    structure(f"evil{i}.toml", name)
    files += ["--structure-file", f"evil{i}.toml"]
done = subprocess.run(
    [sys.executable, "-m", "orgsim", "compare", *FAST, "--structures", "siloed", *files, "--out", "out"],
    capture_output=True, text=True, check=False,
)
assert done.returncode == 0, done.stderr
csvs = sorted(Path("out").glob("*.csv")) + sorted(Path("out").glob("*.csv.gz"))
assert {p.name for p in csvs} >= {"summary.csv", "totals.csv", "differences.csv", "series.csv.gz"}, csvs
escaped = negative = 0
for path in csvs:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            for cell in row:
                escaped += cell.startswith("'")
                if cell[:1] in ("=", "+", "-", "@", "\\t", "\\r"):
                    float(cell)  # only a number may start like a formula
                    negative += 1
assert escaped > 0 and negative > 0, (escaped, negative)  # the names are there, quoted; negative numbers stay numbers
"""

CASES = [
    # 1. the lead log under a file: refused before simulating, not a FileExistsError afterwards
    Case(
        "cli-leads-csv-under-a-file",
        setup="open('afile', 'w').close()",
        code=_REFUSED + "refused('run', '--horizon-days', '30', '--leads-csv', 'afile/x.csv', option='--leads-csv', path='afile')",
    ),
    # 2. --out that cannot be written: refused before a long run, not after it
    Case(
        "cli-compare-out-under-a-file",
        setup="open('afile', 'w').close()",
        code=_REFUSED + f"refused('compare', *{FAST!r}, '--out', 'afile/sub', option='--out', path='afile')",
    ),
    Case(
        "cli-sweep-out-under-a-file",
        setup="open('afile', 'w').close()",
        code=_REFUSED
        + f"refused('sweep', *{FAST!r}, '--param', 'sales.reps=6,8', '--out', 'afile/sub/deeper', option='--out', path='afile')",
    ),
    # /sys refuses new entries even to root (chmod does not stop root)
    Case("cli-compare-out-not-writable", cli=("compare", *FAST, "--out", "/sys/orgsim-red-team"), stderr="--out"),
    Case(
        "cli-sensitivity-out-not-writable",
        cli=("sensitivity", *FAST, "--param", "sales.reps=5:9", "--samples", "2", "--out", "/sys/orgsim-red-team"),
        stderr="--out",
    ),
    Case("cli-init-not-writable", cli=("init", "/sys/orgsim-red-team"), stderr="DIR"),
    # 3. a folder of someone else's files is not overwritten or mixed with results
    Case(
        "cli-compare-out-holds-other-files",
        setup="import os; os.mkdir('mine'); open('mine/notes.txt', 'w').write('keep me')",
        code=_REFUSED
        + f"refused('compare', *{FAST!r}, '--out', 'mine', option='--out', path='mine')\n"
        + "import os; assert os.listdir('mine') == ['notes.txt'] and open('mine/notes.txt').read() == 'keep me'",
    ),
    # 5. an OSError reaching main (the store's folder under a file): one line naming the path
    Case(
        "cli-store-under-a-file",
        setup="open('afile', 'w').close()",
        cli=("compare", *FAST, "--store", "afile/store", "--out", "out"),
        stderr="afile/store",
    ),
    # 6. names that a spreadsheet would run as formulas are quoted in every CSV
    Case("cli-csv-injection-in-structure-names", code=_STRUCTURE + f"FAST = {FAST!r}\n" + _FORMULAS, seconds=120),
]
