//! Coalescing of look-ups from concurrent waits into batched ECS calls.
//!
//! The first request for a key opens a short window; every request for the same
//! key that arrives within it rides along. When the window closes, one spawned
//! task issues the calls (at most `max_per_call` items each) and hands every
//! requester its own answer — or the batch's error, because a failed batch
//! failed for everyone in it. The flush runs on its own task so a waiter that is
//! cancelled mid-window does not strand the others.
//!
//! While the request budget is backlogged (see [`crate::budget`]) a closing
//! window stays open a little longer: its call would only queue for a token,
//! and requests arriving meanwhile can ride along instead of each queueing a
//! call of its own — which is what keeps 1,000 waits discovered one by one
//! from costing 1,000 `DescribeServiceDeployments`.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::future::{BoxFuture, join_all};
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::api::{ApiError, ApiResult};

/// Issues one batched call; answers are aligned with the items (`None`: not found).
pub(crate) type BatchCall<K, I, R> =
    Arc<dyn Fn(K, Vec<I>) -> BoxFuture<'static, ApiResult<Vec<Option<R>>>> + Send + Sync>;

/// Whether a call made now would have to wait for the request budget.
pub(crate) type Backlogged = Arc<dyn Fn() -> bool + Send + Sync>;

/// Longest a window is held open for a backlogged budget: enough to gather the
/// look-ups of waits that are answered one by one meanwhile, bounded so that a
/// steady stream of other calls cannot starve the batch.
pub(crate) const MAX_BACKLOG_HOLD: Duration = Duration::from_secs(2);
/// How often a held window checks whether the backlog has cleared.
const BACKLOG_RECHECK: Duration = Duration::from_millis(10);

type Reply<R> = oneshot::Sender<ApiResult<Option<R>>>;
/// Requests waiting for their window to close, per key.
type OpenWindows<K, I, R> = Arc<Mutex<HashMap<K, Vec<(I, Reply<R>)>>>>;

pub(crate) struct Batcher<K, I, R> {
    window: Duration,
    max_per_call: usize,
    open: OpenWindows<K, I, R>,
    call: BatchCall<K, I, R>,
    backlogged: Backlogged,
}

impl<K, I, R> Batcher<K, I, R>
where
    K: Clone + Eq + Hash + Send + 'static,
    I: Clone + Eq + Hash + Send + 'static,
    R: Clone + Send + 'static,
{
    pub(crate) fn new(window: Duration, max_per_call: usize, call: BatchCall<K, I, R>) -> Self {
        Self {
            window,
            max_per_call: max_per_call.max(1),
            open: Arc::new(Mutex::new(HashMap::new())),
            call,
            backlogged: Arc::new(|| false),
        }
    }

    /// Holds windows open (up to [`MAX_BACKLOG_HOLD`]) while `backlogged` says so.
    pub(crate) fn holding_while(mut self, backlogged: Backlogged) -> Self {
        self.backlogged = backlogged;
        self
    }

    /// Looks `item` up under `key`, sharing the call with everyone asking in the same window.
    pub(crate) async fn get(&self, key: K, item: I) -> ApiResult<Option<R>> {
        let (reply, answer) = oneshot::channel();
        let opens_window = {
            let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
            let waiting = open.entry(key.clone()).or_default();
            waiting.push((item, reply));
            waiting.len() == 1
        };
        if opens_window {
            let open = Arc::clone(&self.open);
            let call = Arc::clone(&self.call);
            let backlogged = Arc::clone(&self.backlogged);
            let (window, max_per_call) = (self.window, self.max_per_call);
            tokio::spawn(async move {
                tokio::time::sleep(window).await;
                let held_until = Instant::now() + MAX_BACKLOG_HOLD;
                while backlogged() && Instant::now() < held_until {
                    tokio::time::sleep(BACKLOG_RECHECK).await;
                }
                let waiting = open
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(&key)
                    .unwrap_or_default();
                flush(key, waiting, max_per_call, call).await;
            });
        }
        answer.await.unwrap_or_else(|_| {
            Err(ApiError::Transport {
                message: "the batched ECS call was abandoned before it answered".into(),
            })
        })
    }
}

async fn flush<K, I, R>(
    key: K,
    waiting: Vec<(I, Reply<R>)>,
    max_per_call: usize,
    call: BatchCall<K, I, R>,
) where
    K: Clone,
    I: Clone + Eq + Hash,
    R: Clone,
{
    // Several waits may ask for the same item; ask ECS once. Indexing by item
    // keeps a flush linear in the number of waits (1,000 waits make one flush).
    let mut distinct: Vec<I> = Vec::new();
    let mut index: HashMap<I, usize> = HashMap::with_capacity(waiting.len());
    for (item, _) in &waiting {
        index.entry(item.clone()).or_insert_with(|| {
            distinct.push(item.clone());
            distinct.len() - 1
        });
    }
    let chunks: Vec<Vec<I>> = distinct.chunks(max_per_call).map(<[I]>::to_vec).collect();
    let answers = join_all(chunks.into_iter().map(|chunk| call(key.clone(), chunk))).await;
    for (item, reply) in waiting {
        let answer = match index.get(&item) {
            Some(&at) => match answers.get(at / max_per_call) {
                Some(Ok(found)) => Ok(found.get(at % max_per_call).cloned().flatten()),
                Some(Err(error)) => Err(error.clone()),
                None => Ok(None),
            },
            None => Ok(None),
        };
        // The waiter may have been cancelled meanwhile; nobody to tell then.
        let _ = reply.send(answer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn doubling_batcher(
        calls: Arc<Mutex<Vec<Vec<u32>>>>,
        fail: bool,
    ) -> Batcher<&'static str, u32, u32> {
        Batcher::new(
            Duration::from_millis(10),
            3,
            Arc::new(move |_key, items: Vec<u32>| {
                let calls = Arc::clone(&calls);
                Box::pin(async move {
                    calls.lock().unwrap().push(items.clone());
                    if fail {
                        return Err(ApiError::Throttled {
                            code: "ThrottlingException".into(),
                            message: "Rate exceeded".into(),
                        });
                    }
                    Ok(items.iter().map(|i| (*i != 0).then_some(i * 2)).collect())
                })
            }),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_requests_share_calls_of_at_most_max_items() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let batcher = doubling_batcher(Arc::clone(&calls), false);
        let answers = join_all((0..7).map(|i| batcher.get("cluster", i))).await;
        assert_eq!(
            answers[0],
            Ok(None),
            "0 stands for an item ECS did not find"
        );
        assert_eq!(answers[5], Ok(Some(10)));
        let sizes: Vec<usize> = calls.lock().unwrap().iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![3, 3, 1]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_batch_fails_every_request_in_it() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let batcher = doubling_batcher(Arc::clone(&calls), true);
        let answers = join_all((1..=2).map(|i| batcher.get("cluster", i))).await;
        assert!(
            answers
                .iter()
                .all(|a| matches!(a, Err(ApiError::Throttled { .. })))
        );
        assert_eq!(calls.lock().unwrap().len(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn duplicate_items_are_asked_once_and_answered_to_all() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let batcher = doubling_batcher(Arc::clone(&calls), false);
        let answers = join_all([4, 4, 4].map(|i| batcher.get("cluster", i))).await;
        assert!(answers.iter().all(|a| *a == Ok(Some(8))));
        assert_eq!(*calls.lock().unwrap(), vec![vec![4]]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_window_stays_open_while_the_budget_is_backlogged() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let backlog = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let flag = Arc::clone(&backlog);
        let batcher = Arc::new(
            doubling_batcher(Arc::clone(&calls), false)
                .holding_while(Arc::new(move || flag.load(Ordering::SeqCst))),
        );
        let first = tokio::spawn({
            let batcher = Arc::clone(&batcher);
            async move { batcher.get("cluster", 1).await }
        });
        // Well past the 10 ms window: without the backlog this would be a call of its own.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let second = tokio::spawn({
            let batcher = Arc::clone(&batcher);
            async move { batcher.get("cluster", 2).await }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(calls.lock().unwrap().is_empty(), "held while backlogged");
        backlog.store(false, Ordering::SeqCst);
        assert_eq!(first.await.unwrap(), Ok(Some(2)));
        assert_eq!(second.await.unwrap(), Ok(Some(4)));
        assert_eq!(*calls.lock().unwrap(), vec![vec![1, 2]]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_backlog_holds_a_window_only_so_long() {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let batcher = doubling_batcher(Arc::clone(&calls), false).holding_while(Arc::new(|| true));
        let started = tokio::time::Instant::now();
        assert_eq!(batcher.get("cluster", 3).await, Ok(Some(6)));
        let held = started.elapsed();
        assert!(
            held >= MAX_BACKLOG_HOLD && held <= MAX_BACKLOG_HOLD + Duration::from_millis(30),
            "{held:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn different_keys_never_share_a_call() {
        let count = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&count);
        let batcher: Batcher<&'static str, u32, u32> = Batcher::new(
            Duration::from_millis(10),
            10,
            Arc::new(move |_key, items: Vec<u32>| {
                counter.fetch_add(1, Ordering::SeqCst);
                Box::pin(async move { Ok(items.iter().map(|i| Some(*i)).collect()) })
            }),
        );
        let (a, b) = tokio::join!(batcher.get("prod", 1), batcher.get("staging", 1));
        assert_eq!((a, b), (Ok(Some(1)), Ok(Some(1))));
        assert_eq!(count.load(Ordering::SeqCst), 2);
    }
}
