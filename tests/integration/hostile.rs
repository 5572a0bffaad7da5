//! Hostile content and private files: what a page can put in a title stays text, escaped where
//! shown; what gkwatch writes only its owner can read.

#[cfg(unix)]
#[tokio::test]
async fn database_and_reports_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("new-dir").join("g.db");
    let store = gkwatch::store::Store::open(&db).await.expect("store");
    store.close().await;
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(db.parent().expect("dir")), 0o700);
    let report = dir.path().join("report.html");
    std::fs::write(&report, "old").expect("write");
    gkwatch::util::write_private(&report, b"<p>new</p>").expect("write");
    assert_eq!(mode(&report), 0o600, "an existing file is tightened too");
    assert_eq!(std::fs::read(&report).expect("read"), b"<p>new</p>");
}
