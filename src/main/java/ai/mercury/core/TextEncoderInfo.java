package ai.mercury.core;

/** The text encoder whose embeddings the towers read: its name and output width. Immutable. */
public record TextEncoderInfo(String name, int dim) {}
