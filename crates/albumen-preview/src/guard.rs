//! Third-party decoders run guarded: on a worker thread, under `catch_unwind`, with a time
//! limit. A panic in a decoder (a bug on a valid file, or hostile input) or a decoder that
//! does not finish becomes that file's error, and the caller's batch goes on.
//!
//! A decoder that runs past the limit cannot be stopped from outside (Rust threads are not
//! cancellable): its thread is left to finish on its own and its result is dropped. The
//! memory it holds is bounded by the pixel and allocation limits the decoders are given.

use std::sync::mpsc;
use std::time::Duration;

use crate::Error;

/// The worker's stack: decoders recurse a little (nested HEIF items, TIFF IFD chains); the
/// main thread's 8 MiB is what they are written for.
pub(crate) const STACK_BYTES: usize = 8 << 20;

/// Runs `f` on a worker thread; a panic becomes [`Error::DecoderPanicked`], not finishing
/// within `limit` becomes [`Error::DecoderTimedOut`].
pub(crate) fn run<T, F>(decoder: &'static str, limit: Duration, f: F) -> Result<T, Error>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Error> + Send + 'static,
{
    let (tx, rx) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name(format!("albumen-decode-{decoder}"))
        .stack_size(STACK_BYTES)
        .spawn(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            // The receiver is gone when the caller gave up waiting: nothing to tell.
            let _ = tx.send(r);
        });
    if let Err(e) = spawned {
        return Err(Error::Decode {
            format: decoder,
            message: format!("cannot start a decoding thread: {e}"),
        });
    }
    match rx.recv_timeout(limit) {
        Ok(Ok(r)) => r,
        Ok(Err(payload)) => Err(Error::DecoderPanicked {
            decoder,
            message: panic_message(payload.as_ref()),
        }),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(Error::DecoderTimedOut {
            decoder,
            seconds: limit.as_secs_f64(),
        }),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(Error::DecoderPanicked {
            decoder,
            message: "the decoding thread ended without a result".into(),
        }),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_panics_and_hangs_become_values() {
        let ok = run("test", Duration::from_secs(5), || Ok(7));
        assert_eq!(ok.ok(), Some(7));
        let e = run("test", Duration::from_secs(5), || -> Result<u8, Error> {
            Err(Error::Unsupported { format: "x" })
        });
        assert!(matches!(e, Err(Error::Unsupported { format: "x" })));
        #[allow(clippy::panic)]
        let p = run("test", Duration::from_secs(5), || -> Result<u8, Error> {
            panic!("index out of bounds: the len is 3 but the index is 9")
        });
        match p {
            Err(Error::DecoderPanicked { decoder, message }) => {
                assert_eq!(decoder, "test");
                assert!(message.contains("index out of bounds"), "{message}");
            }
            other => panic!("expected a panic error, got {other:?}"),
        }
        let t0 = std::time::Instant::now();
        let h = run(
            "test",
            Duration::from_millis(200),
            || -> Result<u8, Error> {
                std::thread::sleep(Duration::from_secs(3));
                Ok(1)
            },
        );
        assert!(matches!(h, Err(Error::DecoderTimedOut { .. })), "{h:?}");
        assert!(t0.elapsed() < Duration::from_secs(2));
    }
}
