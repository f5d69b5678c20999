//! Reading multipart forms safely (public and staff): a body that ends inside a part or trips the
//! parser is a refused form, never a hang or a panic.
use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use actix_multipart::Multipart;
use actix_web::error::PayloadError;
use actix_web::http::header::HeaderMap;
use actix_web::web::Bytes;
use futures_util::{Stream, StreamExt};

/// The request body as a stream that remembers that it ended.
pub(crate) struct Watched<S> {
    inner: Pin<Box<S>>,
    ended: Rc<Cell<bool>>,
}

impl<S: Stream> Stream for Watched<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let r = self.inner.as_mut().poll_next(cx);
        if let Poll::Ready(None) = r {
            self.ended.set(true);
        }
        r
    }
}

/// The next item of the multipart parser or of a field. Two faults of actix-multipart 0.7, both
/// found by cargo fuzz, end here as a refused form:
/// - it answers "not yet" without ever waking the request again when the body ends inside a
///   part (after a lone `\r`, or within a boundary): once the body has ended, "not yet" means
///   never (the request hung for as long as the client stayed);
/// - it panics on some bodies with a one-character boundary (a slice past a short line): the
///   connection was dropped without an answer.
pub(crate) async fn next_or_incomplete<T: Stream + Unpin>(
    s: &mut T,
    ended: &Cell<bool>,
) -> Result<Option<T::Item>, String> {
    futures_util::future::poll_fn(|cx| {
        let polled =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.poll_next_unpin(cx)));
        match polled {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) if ended.get() => {
                Poll::Ready(Err("multipart: the body ends inside a part".into()))
            }
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(Err("multipart: the body is malformed".into())),
        }
    })
    .await
}

/// A multipart parser over `payload` that knows when the body has ended, for
/// [`next_or_incomplete`]: every multipart form (public and staff) is read through it, so a body
/// that ends inside a part or trips the parser is a refused form, never a hang or a panic.
pub(crate) fn guarded_multipart<S>(headers: &HeaderMap, payload: S) -> (Multipart, Rc<Cell<bool>>)
where
    S: Stream<Item = Result<Bytes, PayloadError>> + 'static,
{
    let ended = Rc::new(Cell::new(false));
    let mp = Multipart::new(
        headers,
        Watched {
            inner: Box::pin(payload),
            ended: ended.clone(),
        },
    );
    (mp, ended)
}
