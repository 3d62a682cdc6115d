//! Schema versions: stamps a new store, upgrades an older one in place, refuses a newer.
//!
//! Version 1 kept each message in an `sms` tree keyed by id plus four index trees (by
//! number, by passport, by time, undelivered): five inserts per message. Version 2 (see
//! [`layout`](super::layout)) needs two. The upgrade rewrites every message into the new
//! trees, derives tenures from the messages' attributions and the pool, flushes, stamps
//! version 2 and only then drops the old trees; a crash midway re-runs it (its writes
//! are idempotent).

use std::collections::HashMap;
use std::path::Path;

use ::sled::Db;

use super::layout::{
    self, decode, encode, encode_message, encode_time, id_key, message_key, tenure_key, SCHEMA_KEY,
    SCHEMA_VERSION,
};
use super::trees::io;
use crate::clock::Millis;
use crate::record::{NumberRecord, NumberState, SmsRecord};
use crate::store::{StoreError, Tenure};

const V1_TREES: [&str; 5] = [
    "sms",
    "sms_by_number",
    "sms_by_passport",
    "sms_by_time",
    "sms_undelivered",
];

/// Brings the store in `db` to [`SCHEMA_VERSION`].
pub(crate) fn upgrade(db: &Db, dir: &Path) -> Result<(), StoreError> {
    let found = db
        .get(SCHEMA_KEY)
        .map_err(io)?
        .map(|v| u32::from_be_bytes(v.as_ref().try_into().unwrap_or([0; 4])));
    match found {
        None => {}
        Some(1) => {
            from_v1(db)?;
            tracing::info!("store upgraded from schema version 1 to {SCHEMA_VERSION}");
        }
        Some(SCHEMA_VERSION) => {}
        Some(found) => {
            let dir = dir.display().to_string();
            return Err(StoreError::Schema {
                dir,
                found,
                supported: SCHEMA_VERSION,
            });
        }
    }
    if found != Some(SCHEMA_VERSION) {
        db.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())
            .map_err(io)?;
        db.flush().map_err(io)?;
    }
    for name in V1_TREES {
        if db.tree_names().iter().any(|t| t == name.as_bytes()) {
            db.drop_tree(name).map_err(io)?;
        }
    }
    Ok(())
}

fn from_v1(db: &Db) -> Result<(), StoreError> {
    let old = db.open_tree("sms").map_err(io)?;
    let messages = db.open_tree(layout::MESSAGES).map_err(io)?;
    let ids = db.open_tree(layout::MESSAGE_IDS).map_err(io)?;
    let tenures = db.open_tree(layout::TENURES).map_err(io)?;
    let mut spans: HashMap<(String, String), Millis> = HashMap::new();
    for kv in old.iter() {
        let (_, value) = kv.map_err(io)?;
        let sms: SmsRecord = decode(&value)?;
        let id = id_key(&sms.phone_number, &sms.sms_id);
        ids.insert(id, &encode_time(sms.received_at)).map_err(io)?;
        let key = message_key(&sms.phone_number, sms.received_at, &sms.sms_id);
        messages.insert(key, encode_message(&sms)).map_err(io)?;
        if let Some(p) = &sms.passport {
            let from = spans
                .entry((p.clone(), sms.phone_number.clone()))
                .or_insert(sms.received_at);
            *from = (*from).min(sms.received_at);
        }
    }
    for kv in db.open_tree(layout::NUMBERS).map_err(io)?.iter() {
        let (number, value) = kv.map_err(io)?;
        let record: NumberRecord = decode(&value)?;
        if let NumberState::Assigned { passport, since }
        | NumberState::Quarantined {
            passport, since, ..
        } = record.state
        {
            let number = String::from_utf8_lossy(&number).into_owned();
            let from = spans.entry((passport, number)).or_insert(since);
            *from = (*from).min(since);
        }
    }
    // Spans of earlier holders are left open: history filters by each message's own
    // attribution, so an open span costs a longer scan, never a wrong answer.
    for ((passport, number), from) in spans {
        let tenure = Tenure { from, until: None };
        tenures
            .insert(tenure_key(&passport, &number), encode(&tenure))
            .map_err(io)?;
    }
    db.flush().map_err(io)?;
    Ok(())
}
