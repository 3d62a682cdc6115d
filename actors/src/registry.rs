//! Per-service map from number to its live actor.
//!
//! Not ractor's global name registry: two services in one process (as in tests) must not
//! see each other's actors. It only finds actors; messages reach a number actor through
//! the store's change feed, which it subscribes to itself.

use std::collections::HashMap;
use std::sync::Mutex;

use ractor::{ActorRef, ActorStatus};

/// The live actors of one service, by number; `M` is their message type.
pub(crate) struct Registry<M> {
    actors: Mutex<HashMap<String, ActorRef<M>>>,
}

impl<M> Default for Registry<M> {
    fn default() -> Self {
        Registry {
            actors: Mutex::new(HashMap::new()),
        }
    }
}

impl<M: Send + 'static> Registry<M> {
    /// The number's actor if it is starting or running.
    pub fn get(&self, number: &str) -> Option<ActorRef<M>> {
        let map = self.actors.lock().expect("registry lock");
        map.get(number)
            .filter(|a| matches!(a.get_status(), ActorStatus::Starting | ActorStatus::Running))
            .cloned()
    }

    /// Records `actor` as the number's actor (replacing a dead one).
    pub fn register(&self, number: &str, actor: ActorRef<M>) {
        let mut map = self.actors.lock().expect("registry lock");
        map.insert(number.to_owned(), actor);
    }

    /// Forgets the number's actor if it is still `actor`.
    pub fn unregister(&self, number: &str, actor: &ActorRef<M>) {
        let mut map = self.actors.lock().expect("registry lock");
        if map
            .get(number)
            .is_some_and(|a| a.get_id() == actor.get_id())
        {
            map.remove(number);
        }
    }

    /// How many actors are registered (live or not yet cleaned up).
    pub fn len(&self) -> usize {
        self.actors.lock().expect("registry lock").len()
    }
}
