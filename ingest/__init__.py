"""Loading, cleaning, chunking and syncing articles into the index. Never imports discord."""
