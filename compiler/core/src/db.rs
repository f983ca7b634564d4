//! The database every front end uses: salsa's storage, plus a log of the queries it
//! executed (for incrementality tests). The queries themselves live beside their stages.

use std::sync::{Arc, Mutex};

/// The database every front end uses.
#[salsa::db]
#[derive(Clone)]
pub struct Database {
    storage: salsa::Storage<Self>,
    executed: Arc<Mutex<Vec<String>>>,
}

impl Default for Database {
    fn default() -> Self {
        let executed: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = executed.clone();
        let storage = salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
            if let salsa::EventKind::WillExecute { database_key } = event.kind
                && let Ok(mut log) = sink.lock()
            {
                log.push(format!("{database_key:?}"));
            }
        })));
        Database { storage, executed }
    }
}

#[salsa::db]
impl salsa::Database for Database {}

impl Database {
    /// The names of the queries executed since the last call (for incrementality tests).
    pub fn take_executed(&self) -> Vec<String> {
        self.executed.lock().map(|mut log| std::mem::take(&mut *log)).unwrap_or_default()
    }
}
