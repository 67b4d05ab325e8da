"""Calibration (``orgsim.calibrate.from_leads``): hostile CRM exports and arguments.

Each case builds a small export in its own folder and asserts the clear
:class:`orgsim.ValidationError` it expects: the argument, or the row, column and text of the bad
cell, and what is allowed.
"""

from red_team import Case

#: A small valid export: 40 leads, one every 12 hours from Monday 2024-01-01, as text.
_LEADS = """
import warnings
warnings.simplefilter("ignore")
import numpy as np
import pandas as pd
import orgsim
from_leads = orgsim.calibrate.from_leads

def dates(n=40):
    stamps = pd.date_range("2024-01-01", periods=n, freq="12h").strftime("%Y-%m-%d %H:%M")
    return pd.DataFrame({"created_at": stamps, "source": ["inbound"] * n})

def day_numbers(n=40):
    return pd.DataFrame({"created_at": np.arange(n) * 0.5, "source": ["inbound"] * n})

def refused(leads, **kwargs):
    try:
        from_leads(leads, **{"base_runs": 1, **kwargs})
    except orgsim.ValidationError as err:
        return err
    raise AssertionError("accepted")
"""


def _case(name: str, code: str, seconds: float = 60.0) -> Case:
    return Case(name, code=_LEADS + code, seconds=seconds)


CASES = [
    # 1. day numbers that are not finite, or far from the window, are refused before any work
    _case(
        "calibrate-inf-day-number",
        """
frame = day_numbers()
frame.loc[6, "created_at"] = np.inf
err = refused(frame)
assert err.fields == ["row 7, column 'created_at'"], err
assert "inf" in str(err) and "36500" in str(err), err
""",
        seconds=30,
    ),
    _case(
        "calibrate-huge-day-number-in-csv",
        """
frame = day_numbers().astype(str)
frame["closed_at"] = ""
frame.loc[3, "closed_at"] = "1e12"
frame.to_csv("leads.csv", index=False)
err = refused("leads.csv")
assert err.fields == ["row 4 (line 5), column 'closed_at'"], err
assert "1e12" in str(err) and "36500" in str(err), err
""",
        seconds=30,
    ),
    _case(
        "calibrate-end-day-number-too-far",
        """
err = refused(day_numbers(), end=1e12)
assert err.fields == ["end"] and "36500" in str(err), err
""",
        seconds=30,
    ),
    # 2. start / end that are not dates
    _case(
        "calibrate-end-not-a-date",
        """
err = refused(dates(), end="garbage")
assert err.fields == ["end"] and "'garbage'" in str(err) and "date/time" in str(err), err
""",
    ),
    _case(
        "calibrate-start-not-a-date",
        """
err = refused(dates(), start="garbage")
assert err.fields == ["start"] and "'garbage'" in str(err) and "date/time" in str(err), err
""",
    ),
    _case(
        "calibrate-start-not-a-day-number",
        """
err = refused(day_numbers(), start="2024-01-01")
assert err.fields == ["start"] and "day number" in str(err), err
""",
    ),
    # 3. time zones: a zoned start with plain data; zoned and plain columns mixed
    _case(
        "calibrate-zoned-start-with-plain-times",
        """
err = refused(dates(), start="2024-01-01T00:00+02:00")
assert err.fields == ["start"] and "time zone" in str(err), err
""",
    ),
    _case(
        "calibrate-zoned-and-plain-columns",
        """
frame = dates()
touch = pd.to_datetime(frame["created_at"]) + pd.Timedelta(hours=1)
frame["first_touch_at"] = touch.dt.strftime("%Y-%m-%d %H:%M+05:00")
err = refused(frame)
assert err.fields == ["columns"], err
assert "'created_at'" in str(err) and "'first_touch_at'" in str(err) and "time zone" in str(err), err
""",
    ),
    # 4. mixed date formats name the odd row; dd/mm vs mm/dd is never guessed
    _case(
        "calibrate-mixed-date-formats-name-the-odd-row",
        """
frame = dates()
frame.loc[0, "created_at"] = "01/01/2024"
frame.to_csv("leads.csv", index=False)
err = refused("leads.csv")
assert err.fields == ["row 1 (line 2), column 'created_at'"], err
assert "'01/01/2024'" in str(err) and "date_format" in str(err), err
""",
    ),
    _case(
        "calibrate-ambiguous-day-month-is-refused",
        """
frame = dates(20)  # 2024-01-01 .. 2024-01-10: every date reads as dd/mm and as mm/dd
frame["created_at"] = pd.to_datetime(frame["created_at"]).dt.strftime("%d/%m/%Y %H:%M")
frame.to_csv("leads.csv", index=False)
err = refused("leads.csv")
assert "date_format" in str(err) and "'created_at'" in str(err), err
cal = from_leads("leads.csv", date_format="%d/%m/%Y %H:%M", base_runs=1)
assert cal.window[0] == pd.Timestamp("2024-01-01"), cal.window
""",
    ),
    # reviewer's notes: arguments checked before anything is read
    _case(
        "calibrate-stage-map-unknown-stage",
        """
err = refused(dates().assign(stage="x"), stage_map={"x": "closed"})
assert err.fields == ["stage_map"] and "'closed'" in str(err) and "opportunity" in str(err), err
""",
    ),
    _case(
        "calibrate-base-runs-fraction",
        """
err = refused(dates(), base_runs=2.5)
assert err.fields == ["base_runs"] and "an integer" in str(err), err
""",
    ),
    _case(
        "calibrate-seed-fraction-checked-first",
        """
err = refused("no-such-file.csv", seed=1.5)
assert err.fields == ["seed"] and "an integer >= 0" in str(err), err
""",
    ),
    _case(
        "calibrate-settle-days-inf",
        """
err = refused(dates(), settle_days=float("inf"))
assert err.fields == ["settle_days"] and "finite" in str(err), err
""",
    ),  # issue 16: the window made safe for from_opportunities too, and the calibrate command
    _case(
        "calibrate-opportunities-future-date-is-named-not-stretching-the-window",
        """
deals = dates(60).rename(columns={"source": "stage"}).assign(stage="Prospecting")
deals.loc[9, "created_at"] = "2099-01-01 00:00"
cal = orgsim.calibrate.from_opportunities(deals, base_runs=1)
assert cal.window[1] < pd.Timestamp("2025-01-01"), cal.window
assert any("row 10 column 'created_at' (2099-01-01 00:00)" in n for n in cal.notes), cal.notes
""",
    ),
    _case(
        "calibrate-opportunities-inf-day-number",
        """
deals = day_numbers().rename(columns={"source": "stage"}).assign(stage="won")
deals.loc[2, "created_at"] = np.inf
try:
    orgsim.calibrate.from_opportunities(deals, base_runs=1)
except orgsim.ValidationError as err:
    assert err.fields == ["row 3, column 'created_at'"], err
else:
    raise AssertionError("accepted")
""",
        seconds=30,
    ),
    _case(
        "calibrate-opportunities-ambiguous-day-month",
        """
deals = dates(20).rename(columns={"source": "stage"}).assign(stage="lost")
deals["created_at"] = pd.to_datetime(deals["created_at"]).dt.strftime("%d/%m/%Y %H:%M")
deals.to_csv("deals.csv", index=False)
try:
    orgsim.calibrate.from_opportunities("deals.csv", base_runs=1)
except orgsim.ValidationError as err:
    assert "dayfirst" in str(err) and "'created_at'" in str(err), err
else:
    raise AssertionError("accepted")
cal = orgsim.calibrate.from_opportunities("deals.csv", base_runs=1, dayfirst=True)
assert cal.window[0] == pd.Timestamp("2024-01-01"), cal.window
""",
    ),
    Case(
        "calibrate-cli-mapping-file-missing-names-the-flag",
        setup="open('deals.csv', 'w').write('created_at,stage\\n2024-01-01,won\\n')",
        cli=("calibrate", "deals.csv", "--mapping", "nope.csv", "--out", "cal"),
        exit=2,
        stderr="--mapping",
    ),
]
