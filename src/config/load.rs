//! Loading: finds the config file, then stacks defaults ← file ←
//! environment ← command line and validates the result.
//!
//! The file and environment layers are merged as TOML before the single
//! typed deserialization, so serde's derive stays the one definition of
//! every key's type. Each value is first checked on its own, by
//! deserializing a one-key document into [`Config`], which lets an error
//! name the exact key and the file or variable that set it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use super::env::{self, CONFIG_FILE_VAR};
use super::error::{ConfigError, Origin, Origins};
use super::{validate, Config};

/// The file read when neither the caller nor `AGENTPASS_CONFIG` names one;
/// relative to the working directory, and skipped when absent.
pub const DEFAULT_CONFIG_FILE: &str = "config.toml";

/// The fields an `[[api_keys]]` entry may have.
const API_KEY_FIELDS: &[&str] = &["key", "name", "passports"];

/// Settings given as command-line flags; they beat every other layer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `listen`, from a flag such as `--listen`.
    pub listen: Option<SocketAddr>,
    /// `data_dir`, from a flag such as `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `public_base_url`, from a flag such as `--public-base-url`.
    pub public_base_url: Option<String>,
}

/// Loads and validates the configuration.
///
/// The file is `file` when given, else the one `AGENTPASS_CONFIG` names
/// (either must exist), else `./config.toml` when it exists, else none.
/// Environment variables are read through `env`, so callers (and tests)
/// decide where they come from.
pub fn load(
    file: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
    overrides: &Overrides,
) -> Result<Config, ConfigError> {
    load_with_default(file, env, overrides, Path::new(DEFAULT_CONFIG_FILE))
}

/// [`load()`] with the process environment.
///
/// A variable whose value is not valid Unicode counts as unset.
pub fn from_process_env(file: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
    load(file, &|name| std::env::var(name).ok(), overrides)
}

/// The configuration of a client of a running service (`mcp` in remote mode): defaults,
/// the environment and the flags, no file. A client needs only the service's URL and
/// its key; the directory it is started in may hold a service's `config.toml` that is
/// none of its business.
pub fn for_remote_client(overrides: &Overrides) -> Result<Config, ConfigError> {
    let env = |name: &str| match name {
        CONFIG_FILE_VAR => None,
        _ => std::env::var(name).ok(),
    };
    let no_file = Path::new("");
    load_with_default(None, &env, overrides, no_file)
}

/// [`load()`] with the fallback file path as a parameter, for tests.
pub(crate) fn load_with_default(
    file: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
    overrides: &Overrides,
    default_file: &Path,
) -> Result<Config, ConfigError> {
    let file = match resolve_file(file, env, default_file)? {
        Some(path) => {
            let text = std::fs::read_to_string(&path).map_err(|error| ConfigError::ReadFile {
                path: path.clone(),
                error,
            })?;
            Some((path, text))
        }
        None => None,
    };
    let file = file
        .as_ref()
        .map(|(path, text)| (path.as_path(), text.as_str()));
    build(file, env, overrides)
}

/// What [`load()`] gives once the file is read: `text` as the contents of a config file,
/// then `env` and `overrides`. For callers that hold the text (the fuzz targets).
pub fn from_text(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
    overrides: &Overrides,
) -> Result<Config, ConfigError> {
    build(Some((Path::new(DEFAULT_CONFIG_FILE), text)), env, overrides)
}

/// Layers the file (path and contents), the environment and the flags, and validates.
fn build(
    file: Option<(&Path, &str)>,
    env: &dyn Fn(&str) -> Option<String>,
    overrides: &Overrides,
) -> Result<Config, ConfigError> {
    let mut layers = Layers::default();
    if let Some((path, text)) = file {
        layers.add_file(path, parse_toml(path, text)?)?;
    }
    for found in env::read(env)? {
        layers.set(found.entry.key, found.value, Origin::Env(found.var))?;
    }
    let mut config: Config = toml::Value::Table(layers.merged)
        .try_into()
        .map_err(|err| ConfigError::invalid("config", None, err.message()))?;
    let mut origins = layers.origins;
    if let Some(listen) = overrides.listen {
        config.listen = listen;
        origins.set("listen", Origin::CommandLine);
    }
    if let Some(data_dir) = &overrides.data_dir {
        config.data_dir = data_dir.clone();
        origins.set("data_dir", Origin::CommandLine);
    }
    if let Some(url) = &overrides.public_base_url {
        config.public_base_url = Some(url.clone());
        origins.set("public_base_url", Origin::CommandLine);
    }
    super::sms_gate::apply_env(&mut config.sms_gate, env, &mut origins);
    validate::normalize(&mut config);
    validate::check(&config, &origins)?;
    Ok(config)
}

/// Picks the config file; `None` means defaults and environment only.
fn resolve_file(
    file: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
    default_file: &Path,
) -> Result<Option<PathBuf>, ConfigError> {
    let named = match file {
        Some(path) => Some((path.to_path_buf(), "command line")),
        None => env(CONFIG_FILE_VAR)
            .filter(|value| !value.trim().is_empty())
            .map(|value| (PathBuf::from(value), CONFIG_FILE_VAR)),
    };
    match named {
        Some((path, _)) if path.exists() => Ok(Some(path)),
        Some((path, named_by)) => Err(ConfigError::FileNotFound { path, named_by }),
        None if default_file.exists() => Ok(Some(default_file.to_path_buf())),
        None => Ok(None),
    }
}

/// Parses the file, reporting errors by line and column without quoting
/// the offending line (it may hold a secret).
fn parse_toml(path: &Path, text: &str) -> Result<toml::Table, ConfigError> {
    text.parse::<toml::Table>().map_err(|err| {
        let message = match err.span() {
            Some(span) => {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                format!("line {line}, column {column}: {}", err.message().trim_end())
            }
            None => err.message().trim_end().to_string(),
        };
        ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        }
    })
}

/// The file and environment layers merged so far.
#[derive(Default)]
struct Layers {
    /// The merged document, shaped like the config file.
    merged: toml::Table,
    /// Which layer set each key.
    origins: Origins,
}

impl Layers {
    /// Adds every key of the config file at `path`, rejecting unknown ones.
    fn add_file(&mut self, path: &Path, table: toml::Table) -> Result<(), ConfigError> {
        let origin = Origin::File(path.to_path_buf());
        let unknown = |key: String| ConfigError::UnknownKey {
            key,
            path: path.to_path_buf(),
        };
        for (name, value) in table {
            if name == "api_keys" {
                self.set_api_keys(value, path)?;
            } else if name == "sms_gate" {
                self.set_sms_gate(value, path)?;
            } else if env::lookup(&name).is_some() {
                self.set(&name, value, origin.clone())?;
            } else if is_section(&name) {
                let toml::Value::Table(section) = value else {
                    let hint = format!("expected a table, written [{name}]");
                    return Err(ConfigError::invalid(name, Some(&origin), hint));
                };
                for (field, value) in section {
                    let key = format!("{name}.{field}");
                    if env::lookup(&key).is_none() {
                        return Err(unknown(key));
                    }
                    self.set(&key, value, origin.clone())?;
                }
            } else {
                return Err(unknown(name));
            }
        }
        Ok(())
    }

    /// Checks `value` for the dotted `key`, then records it over any
    /// earlier layer.
    fn set(&mut self, key: &str, value: toml::Value, origin: Origin) -> Result<(), ConfigError> {
        let path: Vec<&str> = key.split('.').collect();
        check_alone(&path, &value)
            .map_err(|message| invalid(key, &origin, message, env::is_secret(key)))?;
        let (leaf, sections) = path.split_last().expect("a key has at least one part");
        let mut table = &mut self.merged;
        for section in sections {
            let slot = table
                .entry(section.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            table = slot
                .as_table_mut()
                .expect("sections are only created as tables");
        }
        table.insert(leaf.to_string(), value);
        self.origins.set(key, origin);
        Ok(())
    }

    /// Checks and records the `[[api_keys]]` list, field by field.
    fn set_api_keys(&mut self, value: toml::Value, path: &Path) -> Result<(), ConfigError> {
        let origin = &Origin::File(path.to_path_buf());
        let toml::Value::Array(entries) = &value else {
            let hint = "expected a list of tables, written [[api_keys]]";
            return Err(ConfigError::invalid("api_keys", Some(origin), hint));
        };
        for (index, entry) in entries.iter().enumerate() {
            let toml::Value::Table(entry) = entry else {
                let hint = "expected a table, written [[api_keys]]";
                return Err(ConfigError::invalid(
                    format!("api_keys[{index}]"),
                    Some(origin),
                    hint,
                ));
            };
            for (field, field_value) in entry {
                let key = format!("api_keys[{index}].{field}");
                if !API_KEY_FIELDS.contains(&field.as_str()) {
                    let path = path.to_path_buf();
                    return Err(ConfigError::UnknownKey { key, path });
                }
                // Probe with a stand-in key so only this field can fail.
                let mut probe = toml::Table::new();
                probe.insert("key".into(), toml::Value::String("probe".into()));
                probe.insert(field.clone(), field_value.clone());
                let list = toml::Value::Array(vec![toml::Value::Table(probe)]);
                check_alone(&["api_keys"], &list)
                    .map_err(|message| invalid(&key, origin, message, field == "key"))?;
            }
            if !entry.contains_key("key") {
                let key = format!("api_keys[{index}].key");
                return Err(ConfigError::invalid(
                    key,
                    Some(origin),
                    "missing; every entry needs one",
                ));
            }
        }
        self.merged.insert("api_keys".into(), value);
        self.origins.set("api_keys", origin.clone());
        Ok(())
    }
}

impl Layers {
    /// Checks and records `[[sms_gate.devices]]`, field by field (a device's secrets
    /// are never quoted in an error).
    fn set_sms_gate(&mut self, value: toml::Value, path: &Path) -> Result<(), ConfigError> {
        let origin = &Origin::File(path.to_path_buf());
        let hint = "expected a list of tables, written [[sms_gate.devices]]";
        let toml::Value::Table(section) = &value else {
            return Err(ConfigError::invalid("sms_gate", Some(origin), hint));
        };
        for (field, entries) in section {
            if field == "poll_interval" {
                let key = "sms_gate.poll_interval";
                check_alone(&["sms_gate", field], entries)
                    .map_err(|message| invalid(key, origin, message, false))?;
                self.origins.set(key, origin.clone());
                continue;
            }
            if field != "devices" {
                let key = format!("sms_gate.{field}");
                let path = path.to_path_buf();
                return Err(ConfigError::UnknownKey { key, path });
            }
            let toml::Value::Array(entries) = entries else {
                return Err(ConfigError::invalid("sms_gate.devices", Some(origin), hint));
            };
            for (index, entry) in entries.iter().enumerate() {
                let at = format!("sms_gate.devices[{index}]");
                let toml::Value::Table(entry) = entry else {
                    return Err(ConfigError::invalid(at, Some(origin), hint));
                };
                for (field, field_value) in entry {
                    let key = format!("{at}.{field}");
                    if !super::sms_gate::DEVICE_FIELDS.contains(&field.as_str()) {
                        let path = path.to_path_buf();
                        return Err(ConfigError::UnknownKey { key, path });
                    }
                    let mut probe = toml::Table::new();
                    probe.insert(field.clone(), field_value.clone());
                    let list = toml::Value::Array(vec![toml::Value::Table(probe)]);
                    let secret = matches!(field.as_str(), "password" | "signing_key");
                    check_alone(&["sms_gate", "devices"], &list)
                        .map_err(|message| invalid(&key, origin, message, secret))?;
                }
            }
        }
        self.merged.insert("sms_gate".into(), value);
        self.origins.set("sms_gate.devices", origin.clone());
        Ok(())
    }
}

/// Whether `name` is a section such as `twilio`.
fn is_section(name: &str) -> bool {
    env::ENV_KEYS.iter().any(|entry| {
        entry
            .key
            .split_once('.')
            .is_some_and(|(section, _)| section == name)
    })
}

/// Deserializes a document holding only `value` at `path` into [`Config`],
/// returning serde's message on failure.
fn check_alone(path: &[&str], value: &toml::Value) -> Result<(), String> {
    let mut doc = value.clone();
    for part in path.iter().rev() {
        let mut table = toml::Table::new();
        table.insert(part.to_string(), doc);
        doc = toml::Value::Table(table);
    }
    doc.try_into::<Config>()
        .map(drop)
        .map_err(|err| err.message().trim_end().to_string())
}

/// An invalid-value error; for a secret, serde's message (which can quote
/// the value) is replaced by a plain one.
fn invalid(key: &str, origin: &Origin, message: String, secret: bool) -> ConfigError {
    let message = if secret {
        "expected a string".to_string()
    } else {
        message
    };
    ConfigError::invalid(key, Some(origin), message)
}
