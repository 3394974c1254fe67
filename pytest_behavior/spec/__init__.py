"""What a behavioral spec is made of: inputs, recorded outputs, one output as properties see it, credentials."""
