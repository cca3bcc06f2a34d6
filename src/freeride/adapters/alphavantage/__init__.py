"""Alpha Vantage: stock quotes and series, FX rates; every error arrives as HTTP 200."""
