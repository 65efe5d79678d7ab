//! `deploy/`: the Grafana dashboard and the Prometheus alert rules parse, and every `cairn_*`
//! metric (and label) their expressions use is one that `/metrics` of a real server serves.

use super::ops::{samples, scrape, spawn_with};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn deploy_file(relative: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../deploy")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every PromQL expression of the dashboard: panel targets and template-variable queries.
fn dashboard_expressions(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("expr" | "definition", serde_json::Value::String(s)) => out.push(s.clone()),
                    _ => dashboard_expressions(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                dashboard_expressions(v, out);
            }
        }
        _ => {}
    }
}

/// `(metric, label names of its selector)` for every `cairn_*` identifier in `expr`.
fn selectors(expr: &str) -> Vec<(String, BTreeSet<String>)> {
    let bytes = expr.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b':';
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let at_start = i == 0 || !ident(bytes[i - 1]);
        if at_start && expr[i..].starts_with("cairn_") {
            let end = (i..bytes.len())
                .find(|&j| !ident(bytes[j]))
                .unwrap_or(bytes.len());
            let name = expr[i..end].to_owned();
            let mut labels = BTreeSet::new();
            if bytes.get(end) == Some(&b'{') {
                let close = expr[end..].find('}').unwrap() + end;
                for matcher in expr[end + 1..close].split(',') {
                    let label: String = matcher
                        .trim()
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !label.is_empty() {
                        labels.insert(label);
                    }
                }
            }
            out.push((name, labels));
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// Served metric names with the label names their series carry (empty for declared families
/// without series): samples, plus `# TYPE` lines (histograms expand to `_bucket`, `_sum`,
/// `_count`).
fn served(text: &str) -> BTreeMap<String, Option<BTreeSet<String>>> {
    let mut names: BTreeMap<String, Option<BTreeSet<String>>> = BTreeMap::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if let (Some("#"), Some("TYPE"), Some(name), Some(kind)) =
            (words.next(), words.next(), words.next(), words.next())
        {
            let expanded: Vec<String> = if kind == "histogram" {
                ["_bucket", "_sum", "_count"]
                    .iter()
                    .map(|s| format!("{name}{s}"))
                    .collect()
            } else {
                vec![name.to_owned()]
            };
            for n in expanded {
                names.entry(n).or_insert(None);
            }
        }
    }
    for key in samples(text).keys() {
        let (name, labels) = key.split_once('{').unwrap_or((key, ""));
        let labels: BTreeSet<String> = labels
            .trim_end_matches('}')
            .split(',')
            .filter_map(|kv| kv.split_once('=').map(|(k, _)| k.to_owned()))
            .collect();
        names
            .entry(name.to_owned())
            .or_insert(None)
            .get_or_insert_with(BTreeSet::new)
            .extend(labels);
    }
    names
}

fn check_against(
    what: &str,
    expressions: &[String],
    served: &BTreeMap<String, Option<BTreeSet<String>>>,
) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for expr in expressions {
        for (name, labels) in selectors(expr) {
            let Some(known) = served.get(&name) else {
                panic!("{what} uses {name}, which /metrics does not serve: {expr}");
            };
            if let Some(known) = known {
                for label in labels.iter().filter(|l| l.as_str() != "job") {
                    assert!(
                        known.contains(label),
                        "{what}: {name} has no label {label:?} (it has {known:?}): {expr}"
                    );
                }
            }
            used.insert(name);
        }
    }
    used
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_and_alerts_use_only_served_metrics() {
    let dashboard: serde_json::Value =
        serde_json::from_str(&deploy_file("grafana/cairn-dashboard.json")).unwrap();
    let mut dashboard_exprs = Vec::new();
    dashboard_expressions(&dashboard, &mut dashboard_exprs);
    let panels = dashboard["panels"].as_array().unwrap();
    let ids: BTreeSet<u64> = panels.iter().map(|p| p["id"].as_u64().unwrap()).collect();
    assert_eq!(ids.len(), panels.len(), "panel ids are unique");
    for p in panels.iter().filter(|p| p["type"] != "row") {
        let targets = p["targets"].as_array().unwrap();
        assert!(!targets.is_empty(), "{} has no query", p["title"]);
        for t in targets {
            assert!(t["refId"].is_string() && t["expr"].is_string(), "{t}");
        }
    }

    let alerts: serde_json::Value =
        serde_norway::from_str(&deploy_file("prometheus/alerts.yml")).unwrap();
    let mut alert_exprs = Vec::new();
    let mut alert_names = BTreeSet::new();
    for group in alerts["groups"].as_array().unwrap() {
        for rule in group["rules"].as_array().unwrap() {
            let name = rule["alert"].as_str().unwrap();
            assert!(
                alert_names.insert(name.to_owned()),
                "duplicate alert {name}"
            );
            assert!(rule["labels"]["severity"].is_string(), "{name}: severity");
            assert!(
                rule["annotations"]["summary"].is_string(),
                "{name}: summary"
            );
            assert!(rule["for"].is_string(), "{name}: for");
            alert_exprs.push(rule["expr"].as_str().unwrap().to_owned());
        }
    }

    // A server that has answered a request (so the HTTP families have series).
    let server = spawn_with(|_| {}).await;
    let r = server
        .client
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = scrape(&server).await;
    let served = served(&text);

    let used_by_dashboard = check_against("the dashboard", &dashboard_exprs, &served);
    let used_by_alerts = check_against("alerts.yml", &alert_exprs, &served);
    // The dashboard shows every family of the brief; the alerts cover 5xx ratio, p99 latency,
    // readiness and pool exhaustion.
    for name in [
        "cairn_http_requests_total",
        "cairn_http_request_duration_seconds_bucket",
        "cairn_ingest_total",
        "cairn_log_size",
        "cairn_db_pool_connections",
        "cairn_verdicts_total",
        "cairn_cache_requests_total",
        "cairn_build_info",
    ] {
        assert!(
            used_by_dashboard.contains(name),
            "the dashboard lacks {name}"
        );
    }
    for name in [
        "cairn_http_requests_total",
        "cairn_http_request_duration_seconds_bucket",
        "cairn_db_pool_connections",
        "cairn_db_pool_max_connections",
    ] {
        assert!(used_by_alerts.contains(name), "alerts.yml lacks {name}");
    }
    assert!(
        alert_exprs
            .iter()
            .any(|e| e.contains("up{") && e.contains("== 0"))
    );
    assert_eq!(alert_names.len(), 5, "{alert_names:?}");
    assert!(dashboard_exprs.len() >= 20, "{}", dashboard_exprs.len());
}

#[test]
fn selector_parsing_finds_names_and_labels() {
    let found = selectors(
        r#"sum(rate(cairn_a_total{job="x",status=~"5.."}[5m])) / rate(cairn_b[1m]) + notcairn_c"#,
    );
    assert_eq!(
        found,
        vec![
            (
                "cairn_a_total".to_owned(),
                ["job", "status"].iter().map(|s| s.to_string()).collect()
            ),
            ("cairn_b".to_owned(), BTreeSet::new()),
        ]
    );
}

/// Replicas of one database must sign with one log key (the server refuses to start
/// otherwise): every cairn-server service of docker-compose.yml reads its key from the same
/// named volume, and the bundled Prometheus scrapes every replica under the job the alerts use.
#[test]
fn compose_replicas_share_the_log_key_and_are_all_scraped() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let compose: serde_json::Value =
        serde_norway::from_str(&std::fs::read_to_string(root.join("docker-compose.yml")).unwrap())
            .unwrap();
    let services = compose["services"].as_object().unwrap();
    let replicas: Vec<(&String, &serde_json::Value)> = services
        .iter()
        .filter(|(_, s)| s.get("build").is_some())
        .collect();
    assert!(replicas.len() >= 2, "{replicas:?}");
    let mut key_locations = BTreeSet::new();
    let mut databases = BTreeSet::new();
    for (name, service) in &replicas {
        let env = &service["environment"];
        let data_dir = env["CAIRN_DATA_DIR"].as_str().unwrap_or("/data"); // the Dockerfile's
        let key_file = env["CAIRN_LOG_KEY_FILE"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{data_dir}/log.key"));
        // The named volume whose mount point holds the key file.
        let volume = service["volumes"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} mounts no volume: its log key would be its own"))
            .iter()
            .filter_map(|v| v.as_str()?.split_once(':'))
            .find(|(_, target)| {
                let target = target.trim_end_matches(":ro").trim_end_matches('/');
                key_file.starts_with(&format!("{target}/"))
            })
            .map(|(source, _)| source.to_owned())
            .unwrap_or_else(|| panic!("{name}: {key_file} is not on a mounted volume"));
        assert!(
            compose["volumes"].get(&volume).is_some(),
            "{name}: {volume} is not a named volume"
        );
        key_locations.insert((volume, key_file));
        databases.insert(env["CAIRN_DATABASE_URL"].as_str().unwrap().to_owned());
    }
    assert_eq!(key_locations.len(), 1, "{key_locations:?}");
    assert_eq!(databases.len(), 1, "{databases:?}");

    let prometheus: serde_json::Value =
        serde_norway::from_str(&deploy_file("prometheus/prometheus.yml")).unwrap();
    assert!(
        prometheus["rule_files"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("alerts.yml"))
    );
    let job = prometheus["scrape_configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["job_name"] == "cairn")
        .expect("a scrape job named cairn (alerts.yml matches job=\"cairn\")");
    let targets: BTreeSet<String> = job["static_configs"][0]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().split(':').next().unwrap().to_owned())
        .collect();
    let names: BTreeSet<String> = replicas.iter().map(|(n, _)| (*n).clone()).collect();
    assert_eq!(targets, names);
}
