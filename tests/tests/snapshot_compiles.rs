//! The codegen snapshot (`codegen/tests/snapshots/small.rs`) compiled against the real runtime:
//! an accepted snapshot must type-check, not only match text. The test below names items of
//! each kind the snapshot schema declares and runs a short round trip on SQLite.

/// The snapshot, a whole generated data layer, included as is. This test binary uses only some
/// of its items: declared `pub` at the crate root, as the README has apps declare their `db`
/// module, the others are not dead code. (Unlike `switchyard::include_generated!`, a plain
/// `include!` is linted by Clippy too, so this also keeps the generated code Clippy-clean.)
pub mod small {
    include!("../../codegen/tests/snapshots/small.rs");
}

use small::{Account, CatalogRole, CatalogShard, Item, ItemPatch, NewAccount, NewItem};
use switchyard::{Column, Expr, Read, Routing, Write};

/// The typed shapes of the snapshot, checked at compile time.
#[test]
fn snapshot_shapes() {
    // Shards of the sharded cluster, in declaration order; the first is the default.
    assert_eq!(CatalogShard::ALL, [CatalogShard::East, CatalogShard::West]);
    assert_eq!(CatalogShard::DEFAULT, CatalogShard::East);
    assert_eq!(CatalogShard::West.name(), "west");
    // Placed by the declared key lists; a region on no list is an error, not the default shard.
    assert_eq!(CatalogShard::for_key("ca").ok(), Some(CatalogShard::East));
    assert_eq!(
        CatalogShard::for_key("us-west").ok(),
        Some(CatalogShard::West)
    );
    assert!(matches!(
        CatalogShard::for_key("fr"),
        Err(switchyard::Error::NoShardForKey {
            cluster: "catalog",
            ..
        })
    ));

    // Custom roles of the sharded cluster: declared on every shard, one enum for the cluster.
    assert_eq!(CatalogRole::ALL, [CatalogRole::Reporting]);
    assert_eq!(CatalogRole::Reporting.name(), "reporting");

    // Columns are typed by model and Rust type; a keyword field keeps its declared name in
    // Rust (`TYPE`, `r#type`) and its renamed column in SQL.
    let kind: Column<Item, String> = Item::TYPE;
    assert_eq!(kind.name(), "kind");
    let price: Column<Item, f64> = Item::PRICE;
    let _: Expr<Item> = kind.eq("basic").and(price.is_null());
    let _: Expr<Account> = Account::EMAIL.eq("ada@example.com");

    // Insert structs: defaults and database-assigned keys are optional.
    let account = NewAccount {
        email: "ada@example.com".into(),
        ..NewAccount::default()
    };
    assert_eq!(
        (account.id, account.nickname, account.active),
        (None, None, None)
    );
    let item = NewItem {
        sku: "A-1".into(),
        region: "ca".into(),
        r#type: Some("special".into()),
        price: Some(2.5),
        added_at: None,
        owner_id: None,
    };
    assert_eq!(item.r#type.as_deref(), Some("special"));

    // Handles: access levels and shard selection only where the topology has them.
    let _: fn(&small::Catalog) -> small::Catalog<Read> = small::Catalog::reading;
    let _: fn(&small::Catalog<Read>) -> small::Catalog<Write> = small::Catalog::writing;
    let _: fn(&small::Catalog, CatalogShard) -> small::Catalog = small::Catalog::shard;
    let _: fn(&small::Catalog, CatalogRole) -> small::Catalog<Read> = small::Catalog::role;
    let _: fn(&small::Main) -> small::Main<Read> = small::Main::reading;
}

/// serde on the snapshot's structs (`[options] serde = true`), through the runtime's re-export:
/// fields named as declared (a keyword field by its name, not `r#type`, and not by its column),
/// and a patch's absent field told apart from its `null`.
#[test]
fn snapshot_serde_round_trip() {
    use serde_json::json;

    let added_at = chrono::DateTime::from_timestamp(1_700_000_000, 0).expect("time");
    let item = Item {
        sku: "A-1".into(),
        region: "ca".into(),
        r#type: "basic".into(),
        price: None,
        added_at,
        owner_id: Some(7),
    };
    let value = serde_json::to_value(&item).expect("serialize");
    assert_eq!(
        value,
        json!({
            "sku": "A-1",
            "region": "ca",
            "type": "basic",
            "price": null,
            "added_at": "2023-11-14T22:13:20Z",
            "owner_id": 7,
        })
    );
    let back: Item = serde_json::from_value(value).expect("deserialize");
    assert_eq!(back, item);

    // Insert structs: what may be left out on insert may be left out of the JSON.
    let new: NewItem =
        serde_json::from_value(json!({ "sku": "B-2", "region": "ca" })).expect("insert");
    let expected = NewItem {
        sku: "B-2".into(),
        region: "ca".into(),
        ..NewItem::default()
    };
    assert_eq!(new, expected);
    assert!(serde_json::from_value::<NewItem>(json!({ "sku": "B-2" })).is_err());
    let account = NewAccount {
        email: "ada@example.com".into(),
        ..NewAccount::default()
    };
    let value = serde_json::to_value(&account).expect("serialize insert");
    assert_eq!(
        serde_json::from_value::<NewAccount>(value).ok(),
        Some(account)
    );

    // Patches: absent is unchanged (`None`), `null` sets NULL (`Some(None)`).
    let patch: ItemPatch =
        serde_json::from_value(json!({ "type": "special", "price": null })).expect("patch");
    let expected = ItemPatch {
        r#type: Some("special".into()),
        price: Some(None),
        ..ItemPatch::default()
    };
    assert_eq!(patch, expected);
    assert_eq!(
        serde_json::to_value(&patch).expect("serialize patch"),
        json!({ "type": "special", "price": null }),
        "unchanged fields are left out, NULL is kept"
    );
    let empty: ItemPatch = serde_json::from_value(json!({})).expect("empty patch");
    assert_eq!(empty, ItemPatch::default());
    assert_eq!(serde_json::to_value(&empty).ok(), Some(json!({})));
    let priced: ItemPatch = serde_json::from_value(json!({ "price": 2.5 })).expect("price");
    assert_eq!(priced.price, Some(Some(2.5)));
    // `null` for a field that is not nullable is an error, not "unchanged".
    assert!(serde_json::from_value::<ItemPatch>(json!({ "type": null })).is_err());
}

/// A short round trip through the snapshot's code on SQLite files in a temporary directory.
#[tokio::test]
async fn snapshot_round_trip_on_sqlite() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let config = small::Database::config()
        .sqlite_dir(dir.path())
        .writer("main", "default", "sqlite:main.sqlite3")
        .writer("catalog", "east", "sqlite:east.sqlite3")
        .writer("catalog", "west", "sqlite:west.sqlite3")
        .replicas("catalog", "east", Vec::<String>::new())
        // Each shard's `reporting` role reads its writer's file, so role reads see its rows.
        .role_replicas("catalog", "east", "reporting", ["sqlite:east.sqlite3"])
        .role_replicas("catalog", "west", "reporting", ["sqlite:west.sqlite3"])
        // `main` declares `fallback = "error"` and has no replica here: its reads go to the
        // writer instead of failing.
        .routing("main", |routing| {
            routing.fallback = switchyard::Fallback::Writer
        });
    let db = small::Database::connect(config).await.expect("connect");
    db.create_tables().await.expect("create tables");

    let ada = db
        .main()
        .accounts()
        .insert(NewAccount {
            email: "ada@example.com".into(),
            ..NewAccount::default()
        })
        .await
        .expect("insert account");
    assert!(ada.active, "declared default");
    assert_eq!(ada.nickname, None);
    let found = db
        .main()
        .reading()
        .accounts()
        .find_by_email("ada@example.com")
        .await
        .expect("find by email");
    assert_eq!(found.as_ref(), Some(&ada));

    let west = db.catalog().shard(CatalogShard::West);
    let stored = west
        .items()
        .insert(NewItem {
            sku: "A-1".into(),
            region: "us-west".into(),
            ..NewItem::default()
        })
        .await
        .expect("insert item");
    assert_eq!(
        stored.r#type, "basic",
        "declared default of a renamed keyword field"
    );
    let basic = west
        .reading()
        .items()
        .filter(Item::TYPE.eq("basic"))
        .all()
        .await
        .expect("filter on the renamed column");
    assert_eq!(basic, vec![stored]);
    let east = db
        .catalog()
        .shard(CatalogShard::East)
        .items()
        .count()
        .await
        .expect("count on the default shard");
    assert_eq!(east, 0, "the default shard is another database");
    // Items are placed by region: a query pinning nothing reaches both shards.
    assert_eq!(db.catalog().items().count().await.expect("count"), 1);

    // A custom role: reads only, on the same shard, and kept when switching shards.
    let reporting = db.catalog().role(CatalogRole::Reporting);
    assert_eq!(reporting.handle().routing(), Routing::Role(0));
    let reporting_west = reporting.shard(CatalogShard::West);
    assert_eq!(reporting_west.handle().routing(), Routing::Role(0));
    let counted = reporting_west
        .items()
        .count()
        .await
        .expect("count through the reporting role");
    assert_eq!(counted, 1, "the west shard's role replica");

    // Relations across the clusters: create on the default shard, a second item on `west`,
    // then load the account's items from every shard in the declared order.
    let cheap = ada
        .create_item(
            &db,
            NewItem {
                sku: "B-2".into(),
                region: "ca".into(),
                price: Some(1.0),
                ..NewItem::default()
            },
        )
        .await
        .expect("create related");
    assert_eq!(cheap.owner_id, Some(ada.id));
    let dear = west
        .items()
        .insert(NewItem {
            sku: "C-3".into(),
            region: "us-west".into(),
            price: Some(9.0),
            owner_id: Some(ada.id),
            ..NewItem::default()
        })
        .await
        .expect("insert owned item");
    let accounts = db
        .main()
        .accounts()
        .query()
        .include(|a| a.items())
        .all()
        .await
        .expect("eager load");
    let items: Vec<&Item> = accounts[0]
        .items()
        .expect("loaded")
        .iter()
        .map(|i| i.row())
        .collect();
    assert_eq!(items, [&dear, &cheap], "price desc, across shards");
    let owner = accounts[0].items().expect("loaded")[0]
        .owner()
        .expect("inverse_of fills the owner")
        .map(|o| o.row());
    assert_eq!(owner, Some(&ada));
    assert_eq!(cheap.owner(&db).await.expect("lazy"), Some(ada.clone()));
    let missing = west
        .items()
        .insert(NewItem {
            sku: "D-4".into(),
            owner_id: Some(ada.id + 1),
            ..NewItem::default()
        })
        .await;
    assert!(matches!(
        missing,
        Err(switchyard::Error::MissingRelated { .. })
    ));

    db.drop_tables().await.expect("drop tables");
}
