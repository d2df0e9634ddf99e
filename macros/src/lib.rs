//! The `#[every]` attribute of [`periodic`](https://docs.rs/periodic). Use it through the
//! `periodic` crate (`periodic::every`), which documents it; this crate only parses, checks and
//! expands.

mod attr;
mod duration;
mod expand;
mod init;

use proc_macro::TokenStream;

/// Runs the function periodically. Documented, with its arguments and examples, on its
/// re-export [`periodic::every`](https://docs.rs/periodic/latest/periodic/attr.every.html): use
/// it through the `periodic` crate, whose runtime the generated code calls.
#[proc_macro_attribute]
pub fn every(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::every(args.into(), item.into()).into()
}
