//! The library's status codes as a Rust error type.

use std::ffi::{CStr, CString};
use std::fmt;
use std::os::raw::c_int;
use std::path::Path;

use crate::ffi;

/// A failed call: the gr_status code and the library's message, which
/// names what was wrong (file:line and field, the unknown id, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    code: i32,
    message: String,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn new(code: i32, message: String) -> Error {
        Error { code, message }
    }
    /// The gr_status code (negative).
    pub fn code(&self) -> i32 {
        self.code
    }
    /// "GR_ENOTFOUND", "GR_EFORMAT", ...
    pub fn status(&self) -> String {
        unsafe { CStr::from_ptr(ffi::gr_status_name(self.code)) }.to_string_lossy().into_owned()
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    /// An unknown user, item or genre.
    pub fn is_not_found(&self) -> bool {
        self.code == ffi::GR_ENOTFOUND
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.status())
    }
}

impl std::error::Error for Error {}

/// Ok for GR_OK; otherwise the error this thread's last failure recorded.
pub(crate) fn check(status: c_int) -> Result<()> {
    if status == ffi::GR_OK {
        return Ok(());
    }
    let message = unsafe { CStr::from_ptr(ffi::gr_last_error()) }.to_string_lossy().into_owned();
    Err(Error::new(status, message))
}

/// An argument the C API cannot take: a string with an interior NUL.
pub(crate) fn cstring(s: &str) -> Result<CString> {
    CString::new(s).map_err(|_| Error::new(-1, format!("{:?} contains a NUL byte", s)))
}

pub(crate) fn path_cstring(p: &Path) -> Result<CString> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(p.as_os_str().as_bytes()).map_err(|_| Error::new(-1, format!("{:?} contains a NUL byte", p)))
}

pub(crate) fn opt_string(p: *const std::os::raw::c_char) -> Option<String> {
    if p.is_null() {
        None
    } else {
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }
}
