"""Chinese text handling shared by the NLU and the knowledge base: cleaning, segmentation, retrieval tokens."""
