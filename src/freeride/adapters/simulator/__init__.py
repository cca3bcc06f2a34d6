"""A market simulator: prices for any stock or pair with no key and no network, the same for a seed."""
