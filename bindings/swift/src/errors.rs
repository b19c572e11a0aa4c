//! [`StellaError`]: the Swift `Error` enum, one case per [`ErrorKind`] of the API, each
//! carrying the library's message.

use stella_bindings_api::{ApiError, ErrorKind};

/// The error every throwing function of the binding throws: one case per error kind of the API
/// (`stella_bindings_api::ErrorKind`), each with the library's message. In Swift:
///
/// ```swift
/// do { _ = try canonicalizeJson(json: Data("{".utf8)) }
/// catch StellaError.Parse(let message) { print("not JSON:", message) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum StellaError {
    /// `E_INVALID_ARGUMENT`: an argument or option is malformed or missing.
    #[error("E_INVALID_ARGUMENT: {message}")]
    InvalidArgument {
        /// The library's message.
        message: String,
    },
    /// `E_PARSE`: an input document could not be parsed or is not well-formed.
    #[error("E_PARSE: {message}")]
    Parse {
        /// The library's message.
        message: String,
    },
    /// `E_VERIFICATION`: something signed or proven did not verify.
    #[error("E_VERIFICATION: {message}")]
    Verification {
        /// The library's message.
        message: String,
    },
    /// `E_POLICY`: the policy engine failed (a policy that denies is not an error).
    #[error("E_POLICY: {message}")]
    Policy {
        /// The library's message.
        message: String,
    },
    /// `E_LIMIT`: a configured limit was exceeded.
    #[error("E_LIMIT: {message}")]
    Limit {
        /// The library's message.
        message: String,
    },
    /// `E_IO`: reading or writing a file failed.
    #[error("E_IO: {message}")]
    Io {
        /// The library's message.
        message: String,
    },
    /// `E_UNSUPPORTED`: valid input using something Stella Ops does not support.
    #[error("E_UNSUPPORTED: {message}")]
    Unsupported {
        /// The library's message.
        message: String,
    },
    /// `E_INTERNAL`: a bug (a panic inside the library, caught at the API boundary).
    #[error("E_INTERNAL: {message}")]
    Internal {
        /// The library's message.
        message: String,
    },
}

impl StellaError {
    /// The API's [`ErrorKind`] of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidArgument { .. } => ErrorKind::InvalidArgument,
            Self::Parse { .. } => ErrorKind::Parse,
            Self::Verification { .. } => ErrorKind::Verification,
            Self::Policy { .. } => ErrorKind::Policy,
            Self::Limit { .. } => ErrorKind::Limit,
            Self::Io { .. } => ErrorKind::Io,
            Self::Unsupported { .. } => ErrorKind::Unsupported,
            Self::Internal { .. } => ErrorKind::Internal,
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        match self {
            Self::InvalidArgument { message }
            | Self::Parse { message }
            | Self::Verification { message }
            | Self::Policy { message }
            | Self::Limit { message }
            | Self::Io { message }
            | Self::Unsupported { message }
            | Self::Internal { message } => message,
        }
    }
}

#[uniffi::export]
impl StellaError {
    /// The stable code of the error: `"E_PARSE"`, … (the API's `ErrorKind::code`).
    pub fn code(&self) -> String {
        self.kind().code().to_owned()
    }
}

impl From<ApiError> for StellaError {
    fn from(e: ApiError) -> Self {
        let message = e.message;
        match e.kind {
            ErrorKind::InvalidArgument => Self::InvalidArgument { message },
            ErrorKind::Parse => Self::Parse { message },
            ErrorKind::Verification => Self::Verification { message },
            ErrorKind::Policy => Self::Policy { message },
            ErrorKind::Limit => Self::Limit { message },
            ErrorKind::Io => Self::Io { message },
            ErrorKind::Unsupported => Self::Unsupported { message },
            ErrorKind::Internal => Self::Internal { message },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_maps_to_its_own_case_and_back() {
        let mut codes = std::collections::BTreeSet::new();
        for kind in ErrorKind::ALL {
            let e = StellaError::from(ApiError::new(kind, "why"));
            assert_eq!(e.kind(), kind);
            assert_eq!(e.message(), "why");
            assert_eq!(e.code(), kind.code());
            assert_eq!(e.to_string(), format!("{}: why", kind.code()));
            codes.insert(e.code());
        }
        assert_eq!(codes.len(), ErrorKind::ALL.len());
    }
}
