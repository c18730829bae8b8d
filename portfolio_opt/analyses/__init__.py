"""Layer 3, the analyses built on the core: explanations, the frontier, scenarios, comparisons,
alternatives, robustness, simulation and the quarterly review. Pure: data in, data out."""
