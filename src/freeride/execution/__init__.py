"""Execution: hosting strategies on the bus, routing their orders to brokers, risk."""
