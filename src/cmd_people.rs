//! `albumen people`: the people found in the photos by `scan --vision`, named, merged and split.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `albumen people`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Index database (filled by `albumen scan --vision`).
    #[arg(long, value_name = "PATH", global = true)]
    pub db: Option<PathBuf>,
    /// Print JSON.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub action: Option<Action>,
}

/// What to do with people (without one: list them).
#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// List person ID's faces with their ids (for `split`) and files.
    Show {
        /// The person.
        id: i64,
    },
    /// Name person ID ("" removes the name).
    Name {
        /// The person.
        id: i64,
        /// The name, e.g. "Anna".
        name: String,
    },
    /// Merge person FROM into person INTO (INTO keeps its name, or takes FROM's).
    Merge {
        /// The person that stays.
        into: i64,
        /// The person whose faces move and who disappears.
        from: i64,
    },
    /// Move faces FACE... of person ID to a new person (their place is then fixed).
    Split {
        /// The person.
        id: i64,
        /// Face ids, from `albumen people show ID`.
        #[arg(required = true)]
        faces: Vec<i64>,
    },
}

/// Runs `albumen people`.
pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let mut index = crate::open_existing_index(a.db)?;
    match a.action {
        None => {
            let people = index.people()?;
            crate::emit(
                a.json,
                &people,
                |w| {
                    if people.is_empty() {
                        writeln!(w, "no people yet (run `albumen scan --vision`)")?;
                    }
                    for p in &people {
                        writeln!(
                            w,
                            "{:>5}  {:<20} {:>4} faces in {:>4} files  e.g. {}",
                            p.id,
                            p.name.as_deref().unwrap_or("-"),
                            p.faces,
                            p.files,
                            p.example
                                .as_ref()
                                .map_or(String::from("-"), |e| e.display().to_string())
                        )?;
                    }
                    Ok(())
                },
                true,
            )
        }
        Some(Action::Show { id }) => {
            let faces = index.person_faces(id)?;
            crate::emit(
                a.json,
                &faces,
                |w| {
                    for f in &faces {
                        let [x, y, bw, bh] = f.bbox;
                        writeln!(
                            w,
                            "{:>6}  {:.2}  box {:.2},{:.2} {:.2}x{:.2}{}  {}",
                            f.id,
                            f.score,
                            x,
                            y,
                            bw,
                            bh,
                            if f.pinned { " pinned" } else { "" },
                            f.path.display()
                        )?;
                    }
                    Ok(())
                },
                true,
            )
        }
        Some(Action::Name { id, name }) => {
            index.name_person(id, Some(&name))?;
            done(a.json, serde_json::json!({"person": id, "name": name}))
        }
        Some(Action::Merge { into, from }) => {
            index.merge_people(into, from)?;
            done(a.json, serde_json::json!({"person": into, "merged": from}))
        }
        Some(Action::Split { id, faces }) => {
            let new = index.split_person(id, &faces)?;
            if !a.json {
                println!("faces {faces:?} of person {id} are now person {new}");
            }
            done(
                a.json,
                serde_json::json!({"person": id, "new_person": new, "faces": faces}),
            )
        }
    }
}

fn done(json: bool, v: serde_json::Value) -> anyhow::Result<ExitCode> {
    if json {
        println!("{v}");
    }
    Ok(ExitCode::SUCCESS)
}
