"""Running a spec: sampling plan to verdicts (judge, sequential mode, counterfactual twins, advice)."""
