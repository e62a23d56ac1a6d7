//! Grid analytics (in progress).
