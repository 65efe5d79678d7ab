//! Where the shared public test data lives, for every test and benchmark of the workspace:
//! `../shared/testdata` beside the workspace, or `$CAIRN_TESTDATA`. Included with `#[path]`.
//! Missing data fails loudly: a suite that silently tests nothing proves nothing.

use std::path::PathBuf;

pub fn testdata_dir() -> PathBuf {
    // Every crate of the workspace sits one level below the root, so this is the same for all.
    let dir = std::env::var_os("CAIRN_TESTDATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata"),
        PathBuf::from,
    );
    assert!(
        dir.is_dir(),
        "shared test data not found at {} — clone the project with ../shared beside it, or set CAIRN_TESTDATA",
        dir.display()
    );
    dir
}
