"""Trade plans: technical state and story sentiment in, a sized plan with its reasons out."""
