//! `switchyard`: migrations made from the declarations, and database tasks for every cluster
//! and shard. See docs/cli.md.

mod args;
mod databases;
mod db_cmd;
mod json_schema;
mod migration_cmd;
mod output;
mod project;
mod schema_dump;
mod topology;

use std::process::ExitCode;

use clap::Parser as _;

use args::{Cli, Command, MigrationCommand};
use output::{Exit, Failure};
use project::Project;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(exit) => exit.into(),
        Err(failure) => {
            output::error(&failure.message);
            failure.exit.into()
        }
    }
}

fn run(cli: Cli) -> Result<Exit, Failure> {
    // Every command but `schema` (which is about the format, not a project) works on the
    // declarations and migrations, loaded first.
    let project = || Project::load(&cli.schema, cli.sqlite_dir.as_deref(), cli.connect_timeout);
    match cli.command {
        Command::Schema => json_schema::print(),
        Command::Migration(MigrationCommand::Make {
            name,
            allow_destructive,
            timestamp,
        }) => migration_cmd::make(&project()?, &name, allow_destructive, timestamp),
        Command::Migration(MigrationCommand::New {
            name,
            cluster,
            timestamp,
        }) => migration_cmd::new(&project()?, &name, &cluster, timestamp),
        Command::Migration(MigrationCommand::Check) => migration_cmd::check(&project()?),
        Command::Db(command) => {
            let project = project()?;
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| Failure::failed(format!("cannot start the async runtime: {e}")))?
                .block_on(db_cmd::run(&project, command))
        }
    }
}
