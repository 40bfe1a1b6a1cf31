"""The kernel every app may use and that uses no app: domain errors, row-lock order, money writes."""
