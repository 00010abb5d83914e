//! The codegen at scale: writes a generated schema of 200 models, 150 relations and 4 clusters
//! (one of them sharded) into a directory, then times loading and generating it in this
//! process's profile (run it unoptimised, as a build script runs) and reports lines per model.
//!
//! `cargo run -p switchyard-codegen --example scale -- <dir> [models]` (see benches/scale.sh,
//! which also times `cargo check` of an app on the generated code).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

const CLUSTERS: [&str; 4] = ["primary", "content", "analytics", "animals"];
/// The sharded cluster, whose models have uuid keys (keys unique across shards).
const SHARDED: &str = "animals";

fn cluster_of(model: usize) -> &'static str {
    CLUSTERS[model % CLUSTERS.len()]
}

fn key_type(model: usize) -> &'static str {
    if cluster_of(model) == SHARDED {
        "uuid"
    } else {
        "i64"
    }
}

/// The declarations: `databases.toml` and one `models_NN.toml` per 50 models.
fn declarations(models: usize) -> Vec<(String, String)> {
    let mut databases = String::new();
    for (i, cluster) in CLUSTERS.iter().enumerate() {
        let upper = cluster.to_uppercase();
        if *cluster == SHARDED {
            let _ = writeln!(databases, "[cluster.{cluster}]\nshard_by = \"hash\"");
            for shard in ["default", "two"] {
                let _ = writeln!(
                    databases,
                    "[cluster.{cluster}.shard.{shard}]\nwriter = \"${{{upper}_{}_URL:-sqlite::memory:}}\"",
                    shard.to_uppercase()
                );
            }
        } else {
            let default = if i == 0 { "default = true\n" } else { "" };
            let _ = writeln!(
                databases,
                "[cluster.{cluster}]\n{default}writer = \"${{{upper}_URL:-sqlite::memory:}}\"\nreplicas = [\"${{{upper}_REPLICA_URL:-sqlite::memory:}}\"]"
            );
        }
    }
    let mut files = vec![("databases.toml".to_owned(), databases)];
    let mut file = String::new();
    for m in 0..models {
        let cluster = cluster_of(m);
        let _ = writeln!(
            file,
            "[model.Model{m:03}]\ncluster = \"{cluster}\"\ndoc = \"Generated model {m}.\""
        );
        if cluster == SHARDED {
            let _ = writeln!(file, "shard_key = \"name\"");
        }
        let _ = writeln!(
            file,
            "[model.Model{m:03}.fields]\nid = {{ type = \"{}\", primary_key = true }}\nname = \"string\"\ncount = {{ type = \"i32\", default = 0 }}\nnote = {{ type = \"text\", nullable = true }}\namount = {{ type = \"f64\", nullable = true }}\nflag = {{ type = \"bool\", default = false }}\ncreated_at = {{ type = \"datetime\", default = \"now\" }}",
            key_type(m)
        );
        // 150 relations: each of models 1 to 150 belongs to model m / 10, so relations cross
        // clusters and nest up to three levels, as an app's do. (A chain of 150 nested
        // belongs_to would exceed rustc's recursion limit in the loaded types' drop check.)
        if (1..=150).contains(&m) {
            let _ = writeln!(
                file,
                "parent_id = {{ type = \"{}\", nullable = true }}\n[model.Model{m:03}.relations]\nparent = {{ belongs_to = \"Model{:03}\" }}",
                key_type(m / 10),
                m / 10
            );
        }
        file.push('\n');
        if m % 50 == 49 || m + 1 == models {
            files.push((
                format!("models_{:02}.toml", m / 50),
                std::mem::take(&mut file),
            ));
        }
    }
    files
}

fn write(dir: &Path, files: &[(String, String)]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in files {
        std::fs::write(dir.join(name), text)?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: scale <dir> [models]")?);
    let models: usize = args.next().map_or(Ok(200), |n| n.parse())?;
    write(&dir, &declarations(models))?;

    let start = Instant::now();
    let schema = switchyard_codegen::load(&dir)?;
    let loaded = start.elapsed();
    let source = switchyard_codegen::generate_source(&schema)?;
    let total = start.elapsed();
    let lines = source.lines().count();
    println!(
        "models {models}, relations {}, clusters {}",
        schema
            .models
            .values()
            .map(|m| m.relations.len())
            .sum::<usize>(),
        schema.clusters.len()
    );
    println!(
        "codegen ({} profile): {:.0} ms (load {:.0} ms, generate and format {:.0} ms)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        total.as_secs_f64() * 1e3,
        loaded.as_secs_f64() * 1e3,
        (total - loaded).as_secs_f64() * 1e3
    );
    println!(
        "generated: {lines} lines, {} per model, {:.1} MB",
        lines / models.max(1),
        source.len() as f64 / 1e6
    );
    std::fs::write(dir.join("generated.rs.txt"), source)?;
    Ok(())
}
