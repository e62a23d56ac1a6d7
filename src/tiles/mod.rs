//! The tile engine (placeholder until the tile engine lands).
