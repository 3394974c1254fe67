"""Running a spec: inputs -> samples -> observations -> verdicts -> golden file.

- `run`: one behavioral spec end to end, the entry point of the ``behavior`` fixture.
- `comparison`: what ``behavior.sample()`` returns (`Comparison`): the paired outputs, the verdicts, how they
  were obtained.
- `judge`: from observations to verdicts: orient each bound, run the paired statistics, apply weighted Holm.
- `sequential`, `sequential_sampling`: sequential mode, one betting test per bound fed one input at a time.
- `counterfactual`: an ``invariance`` spec: draw the twins, sample originals and twins, judge the pairs.
- `llm_judge`: the labels a property's `JudgeRequest` asks for, obtained through the sampler.
- `advice`: what an INCONCLUSIVE verdict needs: how much this run could see, how many inputs would decide it.
- `golden_compare`: golden file against golden file, offline (``pytest-behavior diff A B``).
- `preload`: the verdict code imported in a background thread while samples are in flight.
"""
