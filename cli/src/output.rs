//! Rendering results and choosing the exit code, in one place.

use crate::OutputFormat;
use crate::client::ApiProblem;
use std::io::Write;
use std::process::ExitCode;

/// What a command produced: data for stdout and whether it counts as verified/successful.
pub struct Outcome {
    pub json: serde_json::Value,
    pub human: String,
    /// False when verification ran and failed (exit 1).
    pub passed: bool,
}

impl Outcome {
    pub fn success(json: serde_json::Value, human: impl Into<String>) -> Self {
        Self {
            json,
            human: human.into(),
            passed: true,
        }
    }
}

/// A progress or diagnostic line on stderr. Never panics (stderr may be a closed pipe).
pub fn note(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// A stable error code for the first error in the chain that has one.
fn error_code(err: &anyhow::Error) -> &'static str {
    for cause in err.chain() {
        if let Some(p) = cause.downcast_ref::<ApiProblem>() {
            return p.code_static();
        }
        macro_rules! coded {
            ($($t:ty),*) => {$(
                if let Some(e) = cause.downcast_ref::<$t>() { return e.code().as_str(); }
            )*};
        }
        coded!(
            cairn_core::keys::KeyError,
            cairn_core::keys::EncryptedKeyError,
            cairn_core::dsse::DsseError,
            cairn_core::attestation::AttestationError,
            cairn_core::digest::DigestError,
            cairn_core::image::ImageRefError,
            cairn_core::statement::StatementError,
            cairn_core::bundle::BundleError,
            cairn_core::keys::KeyIdError,
            cairn_core::time::TimestampError
        );
    }
    "error"
}

/// Print the outcome (or the error) and return the exit code: 0 pass, 1 fail, 2 error.
pub fn finish(format: OutputFormat, result: anyhow::Result<Outcome>) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match result {
        Ok(outcome) => {
            let written = match format {
                OutputFormat::Json => serde_json::to_writer_pretty(&mut stdout, &outcome.json)
                    .map_err(std::io::Error::from)
                    .and_then(|()| writeln!(stdout)),
                OutputFormat::Human if outcome.human.is_empty() => Ok(()),
                OutputFormat::Human => writeln!(stdout, "{}", outcome.human.trim_end()),
            };
            // A closed pipe (`| head`) ends quietly.
            if let Err(e) = written
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                let _ = writeln!(std::io::stderr(), "error: writing output: {e}");
                return ExitCode::from(2);
            }
            if outcome.passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(err) => {
            let code = error_code(&err);
            if format == OutputFormat::Json {
                let body =
                    serde_json::json!({"error": {"code": code, "detail": format!("{err:#}")}});
                let _ = writeln!(stdout, "{body}");
            }
            let _ = writeln!(std::io::stderr(), "error: {err:#}");
            ExitCode::from(2)
        }
    }
}
