//! Report jobs, one of them taking state.

use periodic::State;

/// The source file of this module, as `file!()` spells it.
pub const FILE: &str = file!();

/// State for [`echo_report`].
#[derive(Debug)]
pub struct ReportConfig {
    /// Multiplied by two on every tick.
    pub base: u32,
}

/// The line of the `#[every]` attribute of [`echo_report`].
pub const ECHO_REPORT_LINE: u32 = line!() + 1;
#[periodic::every("1h 30m", initial_delay = 1s)]
/// An async fallible job taking state.
pub async fn echo_report(config: State<ReportConfig>) -> Result<u32, std::io::Error> {
    Ok(config.base * 2)
}
