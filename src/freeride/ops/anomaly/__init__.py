"""Online anomaly detection: cheap detectors, the rules that use them, and the monitor."""
