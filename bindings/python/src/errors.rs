//! The exception hierarchy: [`StellaError`] and one subclass per [`ErrorKind`], and the mapping
//! of an [`ApiError`] to them. Each raised exception carries `code` (`"E_PARSE"`, …), `kind`
//! (`"parse"`, …) and `message` (the library's message, also `str(error)`); each subclass has
//! its `code` and `kind` as class attributes too.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyType;
use stella_bindings_api::{ApiError, ErrorKind};

create_exception!(
    stella_ops,
    StellaError,
    PyException,
    "Every error of stella_ops: `code` (\"E_PARSE\", ...), `kind` (\"parse\", ...), `message`."
);
create_exception!(
    stella_ops,
    InvalidArgumentError,
    StellaError,
    "An argument is wrong (E_INVALID_ARGUMENT): a missing key, a bad time, an unknown format."
);
create_exception!(
    stella_ops,
    ParseError,
    StellaError,
    "An input does not parse or is malformed (E_PARSE)."
);
create_exception!(
    stella_ops,
    VerificationError,
    StellaError,
    "A signature, digest, proof or trust check failed (E_VERIFICATION)."
);
create_exception!(
    stella_ops,
    PolicyError,
    StellaError,
    "The Rego policy failed: compile error, bad query, wrong shape (E_POLICY); a deny is not an error."
);
create_exception!(
    stella_ops,
    LimitError,
    StellaError,
    "A configured limit was exceeded: size, depth, count, instructions, time (E_LIMIT)."
);
create_exception!(
    stella_ops,
    StellaIOError,
    StellaError,
    "Reading or writing a file failed (E_IO); named so as not to shadow the builtin IOError."
);
create_exception!(
    stella_ops,
    UnsupportedError,
    StellaError,
    "The input is valid but uses something Stella Ops does not support (E_UNSUPPORTED)."
);
create_exception!(
    stella_ops,
    InternalError,
    StellaError,
    "A bug: a panic inside the library or an error that should not happen (E_INTERNAL)."
);

/// The Python `kind` of an error kind: the snake-case name of the variant.
pub fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidArgument => "invalid_argument",
        ErrorKind::Parse => "parse",
        ErrorKind::Verification => "verification",
        ErrorKind::Policy => "policy",
        ErrorKind::Limit => "limit",
        ErrorKind::Io => "io",
        ErrorKind::Unsupported => "unsupported",
        _ => "internal",
    }
}

/// The exception class of an error kind.
fn class(py: Python<'_>, kind: ErrorKind) -> Bound<'_, PyType> {
    match kind {
        ErrorKind::InvalidArgument => py.get_type::<InvalidArgumentError>(),
        ErrorKind::Parse => py.get_type::<ParseError>(),
        ErrorKind::Verification => py.get_type::<VerificationError>(),
        ErrorKind::Policy => py.get_type::<PolicyError>(),
        ErrorKind::Limit => py.get_type::<LimitError>(),
        ErrorKind::Io => py.get_type::<StellaIOError>(),
        ErrorKind::Unsupported => py.get_type::<UnsupportedError>(),
        _ => py.get_type::<InternalError>(),
    }
}

/// The Python exception of an [`ApiError`], with `code`, `kind` and `message` set.
pub fn to_py(py: Python<'_>, error: ApiError) -> PyErr {
    let err = PyErr::from_type(class(py, error.kind), (error.message.clone(),));
    let value = err.value(py);
    let set = value
        .setattr("code", error.kind.code())
        .and_then(|()| value.setattr("kind", kind_name(error.kind)))
        .and_then(|()| value.setattr("message", error.message));
    match set {
        Ok(()) => err,
        Err(e) => e,
    }
}

/// An [`InvalidArgumentError`] for a bad argument found while converting it.
pub fn invalid(py: Python<'_>, message: String) -> PyErr {
    to_py(py, ApiError::invalid(message))
}

/// Adds the classes to the module, each subclass with its `code` and `kind`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("StellaError", py.get_type::<StellaError>())?;
    for kind in ErrorKind::ALL {
        let cls = class(py, kind);
        cls.setattr("code", kind.code())?;
        cls.setattr("kind", kind_name(kind))?;
        m.add(cls.name()?, cls)?;
    }
    Ok(())
}
