//! Hands the heap pages glibc keeps after a burst of commands back to the system.
//!
//! glibc keeps the pages that a command's rows and JSON were freed from in its per-thread arenas
//! until `malloc_trim` returns them: after the desktop overview's burst of commands that was about
//! 10 MB of the app process, and 25 MB after the first start's demo. A trim walks the arenas once
//! (0.1–7 ms measured), so it runs on a blocking thread, off the replies' path, once the commands
//! have been quiet for a moment. Before it, the store's idle connections hand back their SQLite
//! memory ([`Store::release_idle`]), which is heap as well and would otherwise stay in the arenas
//! the trim walks.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::store::Store;

/// How long the commands must stay quiet before the release. The desktop start is several bursts
/// a few milliseconds apart; releasing between them made the next ones open connections and read
/// pages again (the overview's map coloured in 1.3–1.5 s instead of 0.8 s).
const QUIET: Duration = Duration::from_millis(1500);

#[derive(Default)]
struct Counts {
    running: AtomicUsize,
    /// Commands entered so far: a release waits for it to stay still.
    entered: AtomicUsize,
}

/// The commands in flight; the heap is trimmed once the last of a burst has finished and no
/// command has come for [`QUIET`].
#[derive(Default)]
pub struct Bursts {
    counts: Arc<Counts>,
    /// Whose idle connections are released before the trim.
    store: Option<Store>,
}

/// One command in flight, until dropped (finished, failed or cancelled).
pub struct InFlight<'a>(&'a Bursts);

impl Bursts {
    /// Bursts of commands over `store`.
    pub fn over(store: Store) -> Self {
        Bursts {
            counts: Arc::default(),
            store: Some(store),
        }
    }

    pub fn enter(&self) -> InFlight<'_> {
        self.counts.entered.fetch_add(1, Ordering::SeqCst);
        self.counts.running.fetch_add(1, Ordering::SeqCst);
        InFlight(self)
    }

    pub fn running(&self) -> usize {
        self.counts.running.load(Ordering::SeqCst)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.counts.running.fetch_sub(1, Ordering::SeqCst) == 1 {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    let counts = self.0.counts.clone();
                    let seen = counts.entered.load(Ordering::SeqCst);
                    let store = self.0.store.clone();
                    drop(runtime.spawn(async move {
                        tokio::time::sleep(QUIET).await;
                        // A later burst releases when it ends.
                        if counts.entered.load(Ordering::SeqCst) != seen {
                            return;
                        }
                        if let Some(store) = store {
                            store.release_idle().await;
                        }
                        let _ = tokio::task::spawn_blocking(release_free_heap).await;
                    }));
                }
                Err(_) => release_free_heap(),
            }
        }
    }
}

/// Returns the free pages of every glibc arena to the system (elsewhere, nothing to do).
pub fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own free lists and unmaps whole free pages.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_ends_when_its_last_command_does() {
        let bursts = Bursts::default();
        let first = bursts.enter();
        let second = bursts.enter();
        assert_eq!(bursts.running(), 2);
        drop(first);
        assert_eq!(bursts.running(), 1);
        drop(second);
        assert_eq!(bursts.running(), 0);
        // A new burst counts from zero again.
        let third = bursts.enter();
        assert_eq!(bursts.running(), 1);
        drop(third);
        assert_eq!(bursts.running(), 0);
    }
}
