"""Store, embeddings, search, answering and citation verification. Never imports discord."""
