"""Layer 0, the model: plain data (a plan in, a result out), the errors and exit codes, and the
workbook's vocabulary. Nothing here reads a file or calls a solver, and nothing here imports
another layer."""
