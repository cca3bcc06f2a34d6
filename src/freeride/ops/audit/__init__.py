"""The self-audit: bottlenecks, redundancies and inefficiencies measured from the journal."""
