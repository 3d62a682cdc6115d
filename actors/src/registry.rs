//! Per-service map from number to its live [`NumberActor`](crate::number::NumberActor).
//!
//! Not ractor's global name registry: two services in one process (as in tests) must not
//! see each other's actors. A number actor registers itself in `pre_start`, before it
//! reads the store, so a message committed after that read is always cast to it, and one
//! committed before it is in what it read.

use std::collections::HashMap;
use std::sync::Mutex;

use ractor::{ActorRef, ActorStatus};

use crate::number::NumberMsg;

/// The live number actors of one service.
#[derive(Default)]
pub struct Registry {
    actors: Mutex<HashMap<String, ActorRef<NumberMsg>>>,
}

impl Registry {
    /// The number's actor if it is starting or running.
    pub fn get(&self, number: &str) -> Option<ActorRef<NumberMsg>> {
        let map = self.actors.lock().expect("registry lock");
        map.get(number)
            .filter(|a| matches!(a.get_status(), ActorStatus::Starting | ActorStatus::Running))
            .cloned()
    }

    /// Records `actor` as the number's actor (replacing a dead one).
    pub fn register(&self, number: &str, actor: ActorRef<NumberMsg>) {
        let mut map = self.actors.lock().expect("registry lock");
        map.insert(number.to_owned(), actor);
    }

    /// Forgets the number's actor if it is still `actor`.
    pub fn unregister(&self, number: &str, actor: &ActorRef<NumberMsg>) {
        let mut map = self.actors.lock().expect("registry lock");
        if map
            .get(number)
            .is_some_and(|a| a.get_id() == actor.get_id())
        {
            map.remove(number);
        }
    }

    /// How many number actors are registered (live or not yet cleaned up).
    pub fn len(&self) -> usize {
        self.actors.lock().expect("registry lock").len()
    }

    /// Whether no number actor is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
