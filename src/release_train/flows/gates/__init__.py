"""What a proposal must pass: verify, the advisory gate, the semver gate."""
