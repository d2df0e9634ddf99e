//! The function that builds a job's timer, with the compile-time checks of the types involved.
//!
//! rustc reports these checks, not the macro: the code below only makes sure that each broken
//! rule is one error, with a sentence from `#[diagnostic::on_unimplemented]`, at the user's own
//! tokens.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ReturnType;
use syn::spanned::Spanned;

use crate::expand::Shape;

/// The `fn() -> Box<dyn ErasedTimer>` that builds the job's timer on first use.
///
/// Each way the function can miss the timer's bounds is reported once, at the user's tokens:
/// - the value type must be `Clone + Send + Sync + 'static`: asserted at the return type. The
///   timer is built through autoref dispatch on `__Probe<T, E>`: `Job::<T>::build` (which needs
///   the same bounds) is only reached when they hold, so a bad type is not reported twice;
/// - the error type `E` of a `Result<T, E>` likewise, at `E`;
/// - the `S` of each `State<S>` parameter must be `Send + Sync + 'static`: at `S`;
/// - the future of an `async fn` must be `Send`: the target returns it boxed as
///   `dyn Future + Send`, so rustc's "future cannot be sent between threads safely" lands on the
///   function's name, and the target itself always qualifies.
pub(crate) fn init_fn(
    ident: &syn::Ident,
    output: &ReturnType,
    is_async: bool,
    shape: &Shape,
    krate: &TokenStream,
) -> TokenStream {
    let private = quote!(#krate::__private);
    let value = &shape.value;
    let (value_span, ret) = match output {
        ReturnType::Default => (ident.span(), quote!(())),
        ReturnType::Type(_, ty) => (ty.span(), quote!(#ty)),
    };
    let at_name = ident.span();
    // Each state through `__periodic_state`, whose one bound reports a bad `S` once, at `S`.
    let states = shape
        .states
        .iter()
        .map(|s| quote_spanned!(s.span()=> __periodic_state::<#s>()));
    let call = quote_spanned!(at_name=> #ident.func(#(#states),*));
    let target = if is_async {
        quote_spanned!(at_name=>
            || -> #private::SendFuture<#ret> {
                ::std::boxed::Box::pin(#call)
            }
        )
    } else {
        quote_spanned!(at_name=> || #call)
    };
    let assert_value = quote_spanned!(value_span=> #private::assert_job_value::<#value>());
    // Without an error type (or an alias like `anyhow::Result<T>`), a type that passes.
    let (assert_error, error) = match &shape.error {
        Some(e) => (
            quote_spanned!(e.span()=> #private::assert_job_error::<#e>();),
            quote!(#e),
        ),
        None => (quote!(), quote!(#krate::BoxError)),
    };
    quote! {
        || -> ::std::boxed::Box<dyn #private::ErasedTimer> {
            fn __periodic_state<S: #private::JobState>() -> #private::State<S> {
                #private::state::<S>()
            }

            struct __Probe<T, E>(::core::marker::PhantomData<(T, E)>);
            trait __Build<T> {
                fn __periodic_build<F, M>(
                    &self,
                    spec: &'static #private::JobSpec,
                    target: F,
                ) -> ::std::boxed::Box<dyn #private::ErasedTimer>
                where
                    F: #krate::IntoTarget<T, M>;
            }
            impl<T: #private::JobValue, E: #private::JobError> __Build<T> for &__Probe<T, E> {
                fn __periodic_build<F, M>(
                    &self,
                    spec: &'static #private::JobSpec,
                    target: F,
                ) -> ::std::boxed::Box<dyn #private::ErasedTimer>
                where
                    F: #krate::IntoTarget<T, M>,
                {
                    #private::Job::<T>::build(spec, target)
                }
            }
            // Reached only when the value type was rejected above, which fails the build.
            #[allow(dead_code)]
            trait __Rejected {
                fn __periodic_build<F>(
                    &self,
                    _: &'static #private::JobSpec,
                    _: F,
                ) -> ::std::boxed::Box<dyn #private::ErasedTimer> {
                    ::core::unreachable!("rejected by #[every]")
                }
            }
            impl<T, E> __Rejected for __Probe<T, E> {}

            #assert_value;
            #assert_error
            // Autoref dispatch: method lookup on `&&__Probe` takes `__Build` (implemented for
            // `&__Probe`) when its bounds hold, and falls back to `__Rejected` otherwise.
            (&&__Probe::<#value, #error>(::core::marker::PhantomData))
                .__periodic_build(#ident.0.spec(), #target)
        }
    }
}
