"""Reports: every way a run's verdicts are shown (failure diff, summary, diff files, JSON, HTML, JUnit, GitHub).

- `outcome`: a behavior test's outcome in pytest: the regression it raises, its warnings, what its report carries.
- `failure`: the snapshot diff a reviewer reads when behavior changed, and the verdict table.
- `terminal`: the end-of-session table of every behavior test's verdicts.
- `progress`: live progress of sampling (samples done, calls in flight, retries, spend).
- `outputs`: every output beyond pass/fail, gathered where the results arrive (the xdist controller too).
- `document`: the versioned JSON verdict report every other report reads.
- `html`: the self-contained HTML page (`page`, `charts`, `markup`, ``style.css``).
- `github`: the Markdown job summary for ``$GITHUB_STEP_SUMMARY``.
- `junit`: per-test properties for ``--junitxml``.
- `diff_file`: the full diff of a regressed test, as a Markdown file under the run directory.
- `show`, `card`, `golden_diff`: golden files shown, summarized and compared outside a test run (``pytest-behavior
  show``, ``card``, ``diff``).
- `values`: how a verdict's numbers read in every report (rates as percentages, changes in the bound's terms).
- `secret_guard`: the last line of defence for credentials: what pytest prints and reports goes through `redact`.
"""
