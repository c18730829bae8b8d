"""Layer 1, the runtime: how long runs report progress, stop cleanly at any moment, and spread
independent work over worker processes or a cluster. Knows nothing of portfolios beyond the model."""
