//! The outbox's delivery counters (Prometheus, through the `metrics` facade; served by
//! [`crate::monitoring`]). Kept here so that the outbox, at the bottom of the layers, depends on
//! no feature above it.

pub const OUTBOX_SENT: &str = "meldpunt_outbox_sent_total";
pub const OUTBOX_FAILED: &str = "meldpunt_outbox_failed_total";
pub const OUTBOX_RETRIED: &str = "meldpunt_outbox_retried_total";

/// What became of one delivery attempt, counted by the message's kind.
pub enum Delivery {
    Sent,
    Retried,
    Failed,
}

pub fn outbox_delivery(kind: &str, d: Delivery) {
    let name = match d {
        Delivery::Sent => OUTBOX_SENT,
        Delivery::Retried => OUTBOX_RETRIED,
        Delivery::Failed => OUTBOX_FAILED,
    };
    metrics::counter!(name, "kind" => kind.to_string()).increment(1);
}
