"""RSS and Atom feeds (central-bank press releases, a broker's market news) as news sources."""
