"""Layer 2, the core: scores, rules, the program, the solver, and the optimum with the reason
for every decision. Pure: no files; only :mod:`portfolio_opt.core.solver` talks to a solver."""
