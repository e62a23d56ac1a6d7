//! Tile cache (placeholder until the cache lands).
