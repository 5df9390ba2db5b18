//! Heavy work off the async runtime. Index runs, Monte Carlo uncertainty, geometry overlays and
//! rendering take from milliseconds to seconds of CPU; run inline in an async handler they would
//! hold a runtime worker, and with two of them (a 2-core office PC) the server's other requests
//! would wait. [`cpu`] hands such work to tokio's blocking pool (rayon may fan out behind it).

use crate::error::{Error, Result};

/// Runs `work` on the blocking pool and waits for it without holding a runtime worker.
pub async fn cpu<T, F>(work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        // A panic in the work is a bug; say so in Chinese rather than lose the reason.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(Error::invalid(format!("计算任务被中止：{e}"))),
    }
}
