"""What a behavioral spec is made of: inputs, recorded outputs, one output as properties see it, credentials.

- `inputs`: inputs of a spec: identity, segment, loading from datasets, prompt rendering.
- `records`: recorded outputs (JSONL) replayed as a bundle: shadow traffic, production logs, fixtures.
- `output`: one sampled output as properties see it (`Output`): its text and what the sampler recorded.
- `judge_format`, `judge_answers`: the LLM judges' prompt contract (versioned templates, sections) and strict parsers.
- `secrets`: recognising credentials so they never reach fingerprints, golden files, caches, reports or logs.
- `secret_names`: which names carry credentials: parameters, environment variables, HTTP headers.
- `redaction`: redacting from free text every credential value this process has learnt.
"""
