//! [`ApiError`] → a JavaScript `Error` whose `code` is the [`ErrorKind`] code (`E_PARSE`, …)
//! and whose `message` is the library's message.
//!
//! napi-rs builds the thrown error with `napi_create_error(code, message)`, taking the code from
//! the error's status; the status here is [`ErrorCode`], the stable `E_*` string, instead of a
//! Node-API status.

use napi::bindgen_prelude::Unknown;
use napi::{Env, JsError};
use stella_bindings_api::{ApiError, ErrorKind};

/// The `code` of a thrown Stella Ops error: [`ErrorKind::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorCode(pub &'static str);

impl AsRef<str> for ErrorCode {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// The error of every exported function: thrown (or rejected) as an `Error` with `code`.
pub type NodeError = napi::Error<ErrorCode>;

/// The JavaScript error for an [`ApiError`].
pub fn to_node(error: ApiError) -> NodeError {
    napi::Error::new(ErrorCode(error.kind.code()), error.message)
}

/// An [`ErrorKind::InvalidArgument`] error raised while converting a JavaScript argument.
pub fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorKind::InvalidArgument, message)
}

/// For a Promise: the rejection value of an [`ApiError`]. A task's `resolve` can only return
/// napi's own error type, so the `Error` (with its `code`) is built here, on the JavaScript
/// thread, and handed back by reference: napi rejects the Promise with that very object.
pub fn rejection(env: &Env, error: ApiError) -> napi::Error {
    let value: Unknown<'_> = JsError::from(to_node(error)).into_unknown(*env);
    napi::Error::from(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_keeps_its_code_and_message() {
        for kind in ErrorKind::ALL {
            let e = to_node(ApiError::new(kind, "why"));
            assert_eq!(e.status.as_ref(), kind.code());
            assert!(e.status.as_ref().starts_with("E_"));
            assert_eq!(e.reason, "why");
        }
    }
}
