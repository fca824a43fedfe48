//! What both fuzz targets share: reading bytes as a scenario file, as the
//! command line does, on one worker thread.

use rctsim::scenario::{Loaded, ScenarioError};
use std::path::PathBuf;
use std::sync::Once;

/// Runs on one thread, so that each input is one process's work.
pub fn one_thread() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        let _ = rayon::ThreadPoolBuilder::new().num_threads(1).build_global();
    });
}

/// `data` read as a scenario file through `scenario::load` (parse,
/// validation, warnings), as `rctsim validate` and `rctsim run` read one.
pub fn load(data: &[u8]) -> Result<Loaded, ScenarioError> {
    let path = std::env::temp_dir().join(format!("rctsim-fuzz-{}.ron", std::process::id()));
    std::fs::write(&path, data).expect("the temporary folder can be written");
    rctsim::scenario::load(&PathBuf::from(&path))
}
