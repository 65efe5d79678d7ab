//! `Store::pool_stats`: what `cairn_db_pool_connections` reports.

use super::fixtures::Backends;

#[tokio::test]
async fn pool_stats_name_each_pool_and_count_its_connections() {
    let mut seen = 0;
    for db in Backends::new().await {
        let store = db.open().await;
        store.ping().await.unwrap();
        let stats = store.pool_stats();
        let names: Vec<&str> = stats.iter().map(|s| s.name).collect();
        match db.label {
            "sqlite" => {
                assert_eq!(names, ["read", "write"]);
                // Writes queue on one connection; migrations opened it.
                assert_eq!(stats[1].max, 1);
                assert_eq!(stats[1].idle + stats[1].active, 1);
            }
            "postgres" => assert_eq!(names, ["shared"]),
            other => panic!("unknown backend {other}"),
        }
        let read = &stats[0];
        assert_eq!(read.max, 16, "{}", db.label);
        assert!(read.idle + read.active >= 1, "{}: {read:?}", db.label);
        assert!(
            read.idle + read.active <= read.max,
            "{}: {read:?}",
            db.label
        );
        store.close().await;
        seen += 1;
    }
    let expected = 1 + usize::from(std::env::var_os("CAIRN_TEST_DATABASE_URL").is_some());
    assert_eq!(seen, expected);
}
