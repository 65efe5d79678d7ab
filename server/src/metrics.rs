//! Prometheus metrics, served at `GET /metrics` in the text exposition format 0.0.4.
//!
//! Every label value comes from a closed set: `route` is a path template of the route table
//! (`unmatched` for anything else, never the raw path), `method` one of the standard methods (or
//! `other`), `kind` a transparency-log entry kind. The gauges that describe state outside the
//! process (log size, database pools) are read when Prometheus scrapes, not kept up to date.

use actix_web::http::Method;
use cairn_store::{EntryKind, Store};
use prometheus::core::Collector;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use std::time::Duration;

/// Where the metrics are served.
pub const METRICS_PATH: &str = "/metrics";
/// The media type of the text exposition format this module writes.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";
/// The `route` label of requests that match no route of the table.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// Latency buckets (seconds): ingest p50 is around 10 ms, reads are below 1 ms.
const DURATION_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The write routes, for counting rejected uploads (`cairn_ingest_total{outcome="rejected"}`):
/// a 4xx answer other than 401/403 on one of these is a refused write. Created and duplicate
/// writes are counted by the handlers, which know which it was.
pub const INGEST_ROUTES: &[(Method, &str, EntryKind)] = &[
    (Method::POST, "/v1/attestations", EntryKind::Attestation),
    (Method::POST, "/v1/sboms", EntryKind::Sbom),
    (Method::POST, "/v1/keys", EntryKind::Key),
    (
        Method::POST,
        "/v1/keys/{keyid}/revoke",
        EntryKind::KeyRevocation,
    ),
    (Method::POST, "/v1/trust-roots", EntryKind::TrustRoot),
];

/// What became of one write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestOutcome {
    /// Stored, with a new transparency-log entry.
    Created,
    /// Already stored (an idempotent re-post); nothing new was logged.
    Duplicate,
    /// Refused with a 4xx problem (invalid input, unknown signer, conflict, …).
    Rejected,
}

impl IngestOutcome {
    pub const ALL: &'static [IngestOutcome] = &[
        IngestOutcome::Created,
        IngestOutcome::Duplicate,
        IngestOutcome::Rejected,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            IngestOutcome::Created => "created",
            IngestOutcome::Duplicate => "duplicate",
            IngestOutcome::Rejected => "rejected",
        }
    }

    /// `Created` or `Duplicate`.
    pub const fn of_write(created: bool) -> Self {
        if created {
            IngestOutcome::Created
        } else {
            IngestOutcome::Duplicate
        }
    }
}

/// How the metrics registry failed to build (only a programming error: duplicate names).
#[derive(Debug, thiserror::Error)]
#[error("metrics registry: {0}")]
pub struct MetricsError(#[from] prometheus::Error);

/// A metric's name, help text and Prometheus type.
struct Declared {
    name: &'static str,
    help: &'static str,
    kind: &'static str,
}

const HTTP_REQUESTS: Declared = Declared {
    name: "cairn_http_requests_total",
    help: "HTTP requests answered, by route template, method and status.",
    kind: "counter",
};
const HTTP_DURATION: Declared = Declared {
    name: "cairn_http_request_duration_seconds",
    help: "Time from receiving a request to sending the response head, by route template and method.",
    kind: "histogram",
};
const INGEST: Declared = Declared {
    name: "cairn_ingest_total",
    help: "Writes by kind and outcome (created, duplicate, rejected).",
    kind: "counter",
};
const VERDICTS: Declared = Declared {
    name: "cairn_verdicts_total",
    help: "Policy verdicts computed, by policy and verdict.",
    kind: "counter",
};
const CACHE_REQUESTS: Declared = Declared {
    name: "cairn_cache_requests_total",
    help: "Cache lookups by cache and result (hit, miss).",
    kind: "counter",
};
const LOG_SIZE: Declared = Declared {
    name: "cairn_log_size",
    help: "Entries in the transparency log (tree size), read at scrape time.",
    kind: "gauge",
};
const DATABASE_UP: Declared = Declared {
    name: "cairn_database_up",
    help: "1 if the database answered the scrape-time queries, else 0.",
    kind: "gauge",
};
const DB_POOL: Declared = Declared {
    name: "cairn_db_pool_connections",
    help: "Open database connections by pool and state (idle, active).",
    kind: "gauge",
};
const DB_POOL_MAX: Declared = Declared {
    name: "cairn_db_pool_max_connections",
    help: "Configured maximum connections of each database pool.",
    kind: "gauge",
};
const BUILD_INFO: Declared = Declared {
    name: "cairn_build_info",
    help: "Always 1; the version label is the running cairn-server version.",
    kind: "gauge",
};

const DECLARED: &[&Declared] = &[
    &HTTP_REQUESTS,
    &HTTP_DURATION,
    &INGEST,
    &VERDICTS,
    &CACHE_REQUESTS,
    &LOG_SIZE,
    &DATABASE_UP,
    &DB_POOL,
    &DB_POOL_MAX,
    &BUILD_INFO,
];

/// The metrics of one server process; shared by every worker through `AppState`.
pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    ingest: IntCounterVec,
    verdicts: IntCounterVec,
    cache_requests: IntCounterVec,
    log_size: IntGauge,
    database_up: IntGauge,
    db_pool: IntGaugeVec,
    db_pool_max: IntGaugeVec,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

fn opts(d: &Declared) -> Opts {
    Opts::new(d.name, d.help)
}

impl Metrics {
    /// Register every metric. Counters with a closed label set (ingest kinds and outcomes)
    /// start at 0 so that they are exported before the first write.
    pub fn new() -> Result<Self, MetricsError> {
        let registry = Registry::new();
        let http_requests =
            IntCounterVec::new(opts(&HTTP_REQUESTS), &["route", "method", "status"])?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new(HTTP_DURATION.name, HTTP_DURATION.help)
                .buckets(DURATION_BUCKETS.to_vec()),
            &["route", "method"],
        )?;
        let ingest = IntCounterVec::new(opts(&INGEST), &["kind", "outcome"])?;
        let verdicts = IntCounterVec::new(opts(&VERDICTS), &["policy", "verdict"])?;
        let cache_requests = IntCounterVec::new(opts(&CACHE_REQUESTS), &["cache", "result"])?;
        let log_size = IntGauge::with_opts(opts(&LOG_SIZE))?;
        let database_up = IntGauge::with_opts(opts(&DATABASE_UP))?;
        let db_pool = IntGaugeVec::new(opts(&DB_POOL), &["pool", "state"])?;
        let db_pool_max = IntGaugeVec::new(opts(&DB_POOL_MAX), &["pool"])?;
        let build_info = IntGaugeVec::new(opts(&BUILD_INFO), &["version"])?;
        let collectors: [Box<dyn Collector>; 10] = [
            Box::new(http_requests.clone()),
            Box::new(http_duration.clone()),
            Box::new(ingest.clone()),
            Box::new(verdicts.clone()),
            Box::new(cache_requests.clone()),
            Box::new(log_size.clone()),
            Box::new(database_up.clone()),
            Box::new(db_pool.clone()),
            Box::new(db_pool_max.clone()),
            Box::new(build_info.clone()),
        ];
        for c in collectors {
            registry.register(c)?;
        }
        build_info
            .get_metric_with_label_values(&[env!("CARGO_PKG_VERSION")])?
            .set(1);
        for kind in EntryKind::ALL {
            for outcome in IngestOutcome::ALL {
                ingest.get_metric_with_label_values(&[kind.as_str(), outcome.as_str()])?;
            }
        }
        Ok(Self {
            registry,
            http_requests,
            http_duration,
            ingest,
            verdicts,
            cache_requests,
            log_size,
            database_up,
            db_pool,
            db_pool_max,
        })
    }

    /// Count one answered request. `route` is the matched template (`None`: unmatched). A 4xx
    /// other than 401/403 on a write route also counts as a rejected write.
    pub fn observe_http(
        &self,
        method: &Method,
        route: Option<&'static str>,
        status: u16,
        elapsed: Duration,
    ) {
        let method_label = method_label(method);
        let route_label = route.unwrap_or(UNMATCHED_ROUTE);
        let status_label = status.to_string();
        if let Ok(c) = self.http_requests.get_metric_with_label_values(&[
            route_label,
            method_label,
            status_label.as_str(),
        ]) {
            c.inc();
        }
        if let Ok(h) = self
            .http_duration
            .get_metric_with_label_values(&[route_label, method_label])
        {
            h.observe(elapsed.as_secs_f64());
        }
        let refused = (400..500).contains(&status) && status != 401 && status != 403;
        if let (true, Some(route)) = (refused, route)
            && let Some(kind) = ingest_kind(method, route)
        {
            self.ingest(kind, IngestOutcome::Rejected);
        }
    }

    /// Count one write of `kind`.
    pub fn ingest(&self, kind: EntryKind, outcome: IngestOutcome) {
        if let Ok(c) = self
            .ingest
            .get_metric_with_label_values(&[kind.as_str(), outcome.as_str()])
        {
            c.inc();
        }
    }

    /// Count one policy verdict (`pass`/`fail`). Nothing calls this until policies exist
    /// (issue 6): until then `cairn_verdicts_total` is declared but has no series.
    pub fn verdict(&self, policy: &str, verdict: &str) {
        if let Ok(c) = self
            .verdicts
            .get_metric_with_label_values(&[policy, verdict])
        {
            c.inc();
        }
    }

    /// Count one cache lookup. Nothing calls this until the verification cache exists
    /// (issue 6): until then `cairn_cache_requests_total` is declared but has no series.
    pub fn cache_request(&self, cache: &'static str, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        if let Ok(c) = self
            .cache_requests
            .get_metric_with_label_values(&[cache, result])
        {
            c.inc();
        }
    }

    /// Read the scrape-time gauges from `store` and encode everything. A database that does not
    /// answer sets `cairn_database_up` to 0 and leaves `cairn_log_size` at its last value; the
    /// scrape itself still succeeds, so the process metrics stay visible during an outage.
    pub async fn render(&self, store: &Store) -> String {
        match store.log_size().await {
            Ok(size) => {
                self.log_size.set(i64::try_from(size).unwrap_or(i64::MAX));
                self.database_up.set(1);
            }
            Err(e) => {
                tracing::warn!(error = %e, "metrics: cannot read the transparency log size");
                self.database_up.set(0);
            }
        }
        for pool in store.pool_stats() {
            for (state, value) in [("idle", pool.idle), ("active", pool.active)] {
                if let Ok(g) = self
                    .db_pool
                    .get_metric_with_label_values(&[pool.name, state])
                {
                    g.set(i64::from(value));
                }
            }
            if let Ok(g) = self.db_pool_max.get_metric_with_label_values(&[pool.name]) {
                g.set(i64::from(pool.max));
            }
        }
        self.encode()
    }

    /// The text exposition of every metric. Families without series yet (labelled counters
    /// nobody incremented) are still declared with their `# HELP` and `# TYPE` lines.
    pub fn encode(&self) -> String {
        let families = self.registry.gather();
        let mut buffer = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&families, &mut buffer) {
            tracing::error!(error = %e, "metrics: encoding failed");
        }
        let mut text = String::from_utf8_lossy(&buffer).into_owned();
        for d in DECLARED {
            if !families.iter().any(|f| f.name() == d.name) {
                text.push_str(&format!(
                    "# HELP {} {}\n# TYPE {} {}\n",
                    d.name, d.help, d.name, d.kind
                ));
            }
        }
        text
    }
}

/// The write kind of a route template, if it is a write route.
pub fn ingest_kind(method: &Method, route: &str) -> Option<EntryKind> {
    INGEST_ROUTES
        .iter()
        .find(|(m, r, _)| m == method && *r == route)
        .map(|(_, _, kind)| *kind)
}

/// The `method` label: the standard methods by name, anything else as `other` (a client can
/// send any token as a method; labels must stay a closed set).
pub fn method_label(method: &Method) -> &'static str {
    const KNOWN: &[(Method, &str)] = &[
        (Method::GET, "GET"),
        (Method::HEAD, "HEAD"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::DELETE, "DELETE"),
        (Method::PATCH, "PATCH"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    KNOWN
        .iter()
        .find(|(m, _)| m == method)
        .map_or("other", |(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(text: &str, prefix: &str) -> Option<f64> {
        text.lines()
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    }

    #[test]
    fn labels_come_from_closed_sets() {
        let m = Metrics::new().unwrap();
        let weird = Method::from_bytes(b"BREW").unwrap();
        m.observe_http(&weird, None, 404, Duration::from_millis(1));
        m.observe_http(
            &Method::GET,
            Some("/v1/artifacts/{digest}"),
            200,
            Duration::from_millis(3),
        );
        let text = m.encode();
        assert!(
            text.contains(
                r#"cairn_http_requests_total{method="other",route="unmatched",status="404"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"cairn_http_requests_total{method="GET",route="/v1/artifacts/{digest}",status="200"} 1"#
            ),
            "{text}"
        );
        assert_eq!(
            sample(
                &text,
                r#"cairn_http_request_duration_seconds_bucket{method="GET",route="/v1/artifacts/{digest}",le="0.005"}"#
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(
                &text,
                r#"cairn_http_request_duration_seconds_bucket{method="GET",route="/v1/artifacts/{digest}",le="0.001"}"#
            ),
            Some(0.0)
        );
    }

    #[test]
    fn refused_writes_count_as_rejected_but_auth_failures_do_not() {
        let m = Metrics::new().unwrap();
        let rejected = r#"cairn_ingest_total{kind="attestation",outcome="rejected"}"#;
        assert_eq!(sample(&m.encode(), rejected), Some(0.0), "exported at 0");
        let post = |status| {
            m.observe_http(
                &Method::POST,
                Some("/v1/attestations"),
                status,
                Duration::ZERO,
            )
        };
        post(422);
        post(413);
        post(401);
        post(403);
        post(201);
        post(500);
        // A 4xx on a read route is not a write.
        m.observe_http(
            &Method::GET,
            Some("/v1/attestations/{id}"),
            404,
            Duration::ZERO,
        );
        assert_eq!(sample(&m.encode(), rejected), Some(2.0));
        m.ingest(EntryKind::Attestation, IngestOutcome::of_write(true));
        m.ingest(EntryKind::Attestation, IngestOutcome::of_write(false));
        let text = m.encode();
        for outcome in ["created", "duplicate"] {
            assert_eq!(
                sample(
                    &text,
                    &format!(r#"cairn_ingest_total{{kind="attestation",outcome="{outcome}"}}"#)
                ),
                Some(1.0)
            );
        }
    }

    #[test]
    fn families_without_series_are_declared() {
        let m = Metrics::new().unwrap();
        let text = m.encode();
        for d in DECLARED {
            assert!(
                text.contains(&format!("# TYPE {} {}\n", d.name, d.kind)),
                "{} missing:\n{text}",
                d.name
            );
        }
        assert!(!text.contains("cairn_verdicts_total{"));
        m.verdict("production", "pass");
        m.cache_request("verification", true);
        let text = m.encode();
        assert_eq!(
            sample(
                &text,
                r#"cairn_verdicts_total{policy="production",verdict="pass"}"#
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(
                &text,
                r#"cairn_cache_requests_total{cache="verification",result="hit"}"#
            ),
            Some(1.0)
        );
        assert_eq!(text.matches("# TYPE cairn_verdicts_total").count(), 1);
        assert!(text.contains(&format!(
            r#"cairn_build_info{{version="{}"}} 1"#,
            env!("CARGO_PKG_VERSION")
        )));
    }

    #[test]
    fn ingest_routes_are_write_routes_of_the_table() {
        for (method, route, _) in INGEST_ROUTES {
            assert!(
                crate::routes::ROUTES.iter().any(|(m, r, a)| m == method
                    && r == route
                    && matches!(
                        a,
                        cairn_core::access::Access::Write | cairn_core::access::Access::Admin
                    )),
                "{method} {route}"
            );
        }
    }
}
