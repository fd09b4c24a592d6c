//! The ahead-of-time artifact format.
