"""The hybrid retrieval store: MiniLM + faiss and BM25, fused; durable on disk."""
