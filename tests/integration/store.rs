//! The store's batch save (the crawl's group commit): counts, re-saves, categories replaced,
//! and all-or-nothing when one column of a batch cannot be stored.

use chrono::Utc;
use gkwatch::store::{ItemFilter, Store};
use gkwatch::types::Match;
use gkwatch::types::{ColumnCrawl, ColumnState, ItemRecord};
use gkwatch::types::{DateSource, ItemDate, Precision};

use crate::support::{Demo, today};

fn item(url: &str, title: &str, category: Option<&str>) -> ItemRecord {
    ItemRecord {
        url: url.into(),
        title: title.into(),
        date: Some(ItemDate::written(today(), Precision::Day, DateSource::List)),
        meta: None,
        written: None,
        categories: category
            .map(|c| Match {
                category: c.into(),
                pattern: "test".into(),
            })
            .into_iter()
            .collect(),
        pinned: false,
    }
}

fn crawl(column: &str, items: Vec<ItemRecord>) -> ColumnCrawl {
    let mut crawl = ColumnCrawl::ended(column, ColumnState::Ok, None, Vec::new());
    crawl.items = items;
    crawl
}

async fn stored(store: &Store) -> Vec<(String, String, String)> {
    let mut rows: Vec<(String, String, String)> = store
        .items(&ItemFilter::default())
        .await
        .expect("items")
        .into_iter()
        .map(|r| (r.column_id, r.url, r.title))
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn a_batch_is_saved_whole_and_counted_per_column() {
    let demo = Demo::start().await;
    let store = &demo.store;
    store
        .sync_config(&demo.config.targets, Utc::now())
        .await
        .expect("config synced");
    let cols: Vec<String> = demo
        .config
        .targets
        .columns
        .iter()
        .take(2)
        .map(|c| c.id.clone())
        .collect();
    let (a, b) = (&cols[0], &cols[1]);
    let run = store.begin_run(true, Utc::now()).await.expect("run");
    let saved = store
        .save_columns(
            run,
            &[
                crawl(a, vec![item("http://x/1", "一", Some("policy_doc"))]),
                crawl(
                    b,
                    vec![
                        item("http://x/2", "二", None),
                        item("http://x/3", "三", None),
                    ],
                ),
            ],
        )
        .await
        .expect("saved");
    assert_eq!(
        saved
            .iter()
            .map(|s| (s.items_seen, s.items_new))
            .collect::<Vec<_>>(),
        [(1, 1), (2, 2)]
    );
    let items = store.items(&ItemFilter::default()).await.expect("items");
    let one = items
        .iter()
        .find(|r| r.url == "http://x/1")
        .expect("item")
        .id;
    let one = store.item(one).await.expect("item").expect("stored");
    assert_eq!(one.categories.len(), 1, "{:?}", one.categories);
    // Saved again in a later run: seen, not new; the title and categories are replaced.
    let run2 = store.begin_run(false, Utc::now()).await.expect("run");
    let saved = store
        .save_columns(
            run2,
            &[crawl(a, vec![item("http://x/1", "一（修订）", None)])],
        )
        .await
        .expect("saved");
    assert_eq!((saved[0].items_seen, saved[0].items_new), (1, 0));
    let rows = stored(store).await;
    assert_eq!(rows.len(), 3);
    assert!(rows.contains(&(a.clone(), "http://x/1".into(), "一（修订）".into())));
    let items = store.items(&ItemFilter::default()).await.expect("items");
    let id = |url: &str| items.iter().find(|r| r.url == url).expect("item").id;
    let first = store
        .item(id("http://x/1"))
        .await
        .expect("item")
        .expect("stored");
    assert!(first.categories.is_empty(), "{:?}", first.categories);

    // A batch holding a column the database does not know fails as a whole.
    let before = stored(store).await;
    let err = store
        .save_columns(
            run2,
            &[
                crawl(a, vec![item("http://x/4", "四", None)]),
                crawl("no-such-column", vec![item("http://x/5", "五", None)]),
            ],
        )
        .await;
    assert!(err.is_err(), "an unknown column must be refused");
    assert_eq!(
        stored(store).await,
        before,
        "nothing of the failed batch is kept"
    );
}

/// A column's newest date as the report shows it: pinned items and dates after the day do not
/// count; a month-precise date counts as its month's last day, once that day has come.
#[tokio::test]
async fn the_newest_date_of_each_column_skips_pinned_future_and_unended_months() {
    use chrono::NaiveDate;

    let demo = Demo::start().await;
    let store = &demo.store;
    store
        .sync_config(&demo.config.targets, Utc::now())
        .await
        .expect("config synced");
    let col = demo.config.targets.columns[0].id.clone();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let dated = |url: &str, date: &str, precision, pinned| ItemRecord {
        date: Some(ItemDate::written(d(date), precision, DateSource::List)),
        pinned,
        ..item(url, url, None)
    };
    let run = store.begin_run(true, Utc::now()).await.expect("run");
    store
        .save_columns(
            run,
            &[crawl(
                &col,
                vec![
                    dated("http://x/day", "2026-11-20", Precision::Day, false),
                    dated("http://x/month", "2026-11-01", Precision::Month, false),
                    dated("http://x/pinned", "2026-11-29", Precision::Day, true),
                    dated("http://x/later", "2026-12-05", Precision::Day, false),
                ],
            )],
        )
        .await
        .expect("saved");
    for (as_of, newest) in [
        ("2026-11-19", None),
        ("2026-11-25", Some("2026-11-20")),
        ("2026-11-30", Some("2026-11-30")),
        ("2026-12-10", Some("2026-12-05")),
    ] {
        let got = store.newest_published(d(as_of)).await.expect("newest");
        assert_eq!(got.get(&col).copied(), newest.map(d), "as of {as_of}");
    }
    // The week's day-precise items per department.
    let dept = demo.config.targets.columns[0].department.clone();
    let week = store
        .items_published(d("2026-11-16"), d("2026-11-22"))
        .await
        .expect("published");
    assert_eq!(week.get(&dept).copied(), Some(1), "{week:?}");
    let none = store
        .items_published(d("2026-10-01"), d("2026-10-31"))
        .await
        .expect("published");
    assert!(!none.contains_key(&dept), "{none:?}");
}
