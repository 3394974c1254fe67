"""Long-context support of ``@pytest.mark.context_sweep``: the distractor filler that pads a prompt to a share of a
model's context window (`filler`) and the offline token counts it is measured in (`tokens`); a bundle's window is
read by `pytest_behavior.sampling.windows`."""
