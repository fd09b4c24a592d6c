//! The optional logs on stderr that `TERN_LOG` turns on: a comma-separated
//! list of topics (`cache`, `tier`, `gc`) or `all`.

use std::sync::OnceLock;

/// Writes a line of the `tier` log: `[tern tier +MS] message`, with the
/// milliseconds since the first line.
#[cfg_attr(not(feature = "cranelift"), allow(dead_code))]
pub(crate) fn tier(msg: std::fmt::Arguments<'_>) {
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    let t = START.get_or_init(std::time::Instant::now).elapsed();
    eprintln!("[tern tier +{:.1}ms] {msg}", t.as_secs_f64() * 1e3);
}

/// Whether `TERN_LOG` names `topic` (or `all`).
pub(crate) fn enabled(topic: &str) -> bool {
    static TOPICS: OnceLock<Vec<String>> = OnceLock::new();
    TOPICS
        .get_or_init(|| {
            std::env::var("TERN_LOG")
                .unwrap_or_default()
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect()
        })
        .iter()
        .any(|t| t == topic || t == "all")
}
