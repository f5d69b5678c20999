//! End-to-end tests in headless Chromium: runs `node --test` on `tests/browser/*.test.mjs` against
//! the real binary.
//!
//! The flows, axe-core checks, keyboard and small-screen checks and screenshots live in
//! `tests/browser/` (Node with playwright-core and axe-core, Debian's `/usr/bin/chromium`). This
//! wrapper passes the binary cargo built (`MELDPUNT_BIN`) and fails when the Node run fails.
//!
//! Without node, `/usr/bin/chromium` or `tests/browser/node_modules` the test says SKIPPED on stderr
//! and passes, unless `MELDPUNT_REQUIRE_BROWSER=1` (as in CI): then missing tooling fails it.
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The whole Node run, server start and browser included, must end within this.
const DEADLINE: Duration = Duration::from_secs(900);

fn chromium() -> PathBuf {
    std::env::var_os("MELDPUNT_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// What is missing to run the browser tests, if anything.
fn missing_tooling(dir: &Path) -> Vec<String> {
    let mut missing = vec![];
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !matches!(node, Ok(s) if s.success()) {
        missing.push("node (Node.js 20+) on PATH".to_string());
    }
    if !chromium().exists() {
        missing.push(format!(
            "{} (apt-get install chromium chromium-driver)",
            chromium().display()
        ));
    }
    for module in ["playwright-core", "axe-core"] {
        if !dir.join("node_modules").join(module).exists() {
            missing.push(format!(
                "tests/browser/node_modules/{module} (run `npm ci` in tests/browser)"
            ));
        }
    }
    missing
}

#[test]
fn pages_in_headless_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("tests").join("browser");
    let missing = missing_tooling(&dir);
    if !missing.is_empty() {
        let required = std::env::var("MELDPUNT_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "MELDPUNT_REQUIRE_BROWSER=1 but the browser tests cannot run; missing: {}",
            missing.join("; ")
        );
        // Straight to stderr: the test harness captures print!/eprintln!, not this.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: browser tests (tests/browser/) not run; missing: {}. \
             Set MELDPUNT_REQUIRE_BROWSER=1 to make this a failure.",
            missing.join("; ")
        );
        return;
    }

    // The test files by name: `node --test DIR` finds them on Node 20, but later versions read
    // their arguments as glob patterns.
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read tests/browser")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.test.mjs in {}", dir.display());

    let mut cmd = Command::new("node");
    cmd.arg("--test")
        .arg("--test-reporter=spec")
        .args(&files)
        .current_dir(root)
        .env("MELDPUNT_BIN", env!("CARGO_BIN_EXE_meldpunt"))
        .stdin(Stdio::null());
    // Its own process group, so that on the deadline node, the server it started and Chromium all
    // go at once.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().expect("start node");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break status;
        }
        if started.elapsed() > DEADLINE {
            #[cfg(unix)]
            // SAFETY: kill(2) on the process group this test created just above.
            unsafe {
                libc::kill(-(child.id() as i32), libc::SIGKILL);
            }
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the browser tests did not finish within {} s",
                DEADLINE.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        status.success(),
        "node --test tests/browser/*.test.mjs failed ({status}); see its output above. \
         Screenshots (and FAILED-*.png) are in target/screenshots/"
    );
}
