"""The paper broker: the simulated exchange behind the ``Broker`` port."""
