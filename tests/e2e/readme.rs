//! The README quickstart block, run verbatim with bash against a fresh server: if the README
//! drifts from the CLI, this fails.

use crate::helpers::{backends, spawn_app};
use std::path::Path;

fn quickstart_script() -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let start = readme
        .find("<!-- quickstart:begin")
        .expect("README has a quickstart:begin marker");
    let end = readme
        .find("<!-- quickstart:end -->")
        .expect("README has a quickstart:end marker");
    let block = &readme[start..end];
    let body_start = block.find("```sh\n").expect("quickstart is a ```sh block") + "```sh\n".len();
    let body_end = block.rfind("```").unwrap();
    block[body_start..body_end].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readme_quickstart_runs_verbatim() {
    let script = quickstart_script();
    assert!(
        script.lines().filter(|l| l.starts_with("cairn ")).count() >= 7,
        "{script}"
    );
    let cairn = Path::new(env!("CARGO_BIN_EXE_cairn"));
    let path = format!(
        "{}:{}",
        cairn.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for backend in backends() {
        let app = spawn_app(backend).await;
        let out = std::process::Command::new("bash")
            .args(["-euo", "pipefail", "-c", &script])
            .current_dir(app.dir.path())
            .env("PATH", &path)
            .env("CAIRN_SERVER", &app.base_url)
            .env_remove("CAIRN_PASSWORD")
            .env_remove("CAIRN_TOKEN")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{}: quickstart failed\nstdout:\n{stdout}\nstderr:\n{stderr}",
            app.label
        );
        assert!(
            stdout.contains("https://slsa.dev/provenance/v1"),
            "{stdout}"
        );
        assert!(stdout.contains("registry.example/acme/web"), "{stdout}");
        assert!(stdout.contains(": verified"), "{stdout}");
        app.stop().await;
    }
}
