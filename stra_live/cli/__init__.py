"""Console entry points: thin wrappers that load configs and call the runtime."""
