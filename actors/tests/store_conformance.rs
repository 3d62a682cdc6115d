//! The store conformance suite against every backend: sled on real files in a temporary
//! directory, and memory.

mod sled {
    use agentpass_actors::store::conformance::Fixture;
    use agentpass_actors::store::sled::SledStore;

    async fn fresh() -> Fixture {
        let dir = tempfile::TempDir::new().unwrap();
        let store = SledStore::open(dir.path(), 8 << 20).unwrap();
        Fixture {
            store: std::sync::Arc::new(store),
            keep: Some(Box::new(dir)),
        }
    }

    agentpass_actors::store_conformance_suite!(fresh);
}

mod memory {
    use agentpass_actors::store::conformance::Fixture;
    use agentpass_actors::store::memory::MemoryStore;

    async fn fresh() -> Fixture {
        Fixture::new(MemoryStore::new())
    }

    agentpass_actors::store_conformance_suite!(fresh);
}
