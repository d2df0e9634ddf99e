//! Checking the annotated function and generating the job.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::{Attribute, FnArg, GenericArgument, ItemFn, PathArguments, ReturnType, Type};

use crate::attr::{Args, DurationArg, Errors, ModeArg, OnErrorArg};
use crate::init::init_fn;

/// What the checks learned about the function.
pub(crate) struct Shape {
    /// The types `S` of the `State<S>` parameters, in order.
    pub(crate) states: Vec<Type>,
    /// The tick value type: the return type, or its `Ok` type for a `Result`.
    pub(crate) value: Type,
    /// The error type `E`, for a return type spelled `Result<T, E>`.
    pub(crate) error: Option<Type>,
    /// The function takes `self`: it lives in an `impl` block, where no handle can be emitted.
    pub(crate) method: bool,
    /// No rule about the function itself is broken, so the timer may call it.
    pub(crate) callable: bool,
}

/// Checks the function against the rules of `#[every]`.
fn check(func: &ItemFn, errors: &mut Errors) -> Shape {
    let sig = &func.sig;
    let mut callable = true;
    let mut reject = |err: syn::Error| {
        callable = false;
        errors.push(err);
    };
    if let Some(c) = &sig.constness {
        reject(syn::Error::new_spanned(
            c,
            "#[every] cannot be applied to a `const fn`: remove `const`; #[every] accepts `fn` and `async fn`",
        ));
    }
    if let Some(u) = &sig.unsafety {
        reject(syn::Error::new_spanned(
            u,
            "#[every] cannot be applied to an `unsafe fn`: the timer calls it without an `unsafe` block; #[every] accepts safe `fn` and `async fn`",
        ));
    }
    if let Some(abi) = &sig.abi {
        reject(syn::Error::new_spanned(
            abi,
            "#[every] cannot be applied to an `extern` fn: remove the ABI; #[every] accepts plain Rust `fn` and `async fn`",
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        reject(syn::Error::new_spanned(
            &sig.generics,
            "#[every] functions cannot be generic: the timer must know the concrete types; remove the generic parameters and use concrete types",
        ));
    }
    if let Some(v) = &sig.variadic {
        reject(syn::Error::new_spanned(
            v,
            "#[every] functions cannot be variadic",
        ));
    }
    let mut states = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(r) => reject(syn::Error::new_spanned(
                r,
                "#[every] functions cannot take `self`: use a free function, with shared state as `periodic::State<S>` parameters",
            )),
            FnArg::Typed(pat) => match state_type(&pat.ty) {
                Some(s) => states.push(s.clone()),
                None => reject(syn::Error::new_spanned(
                    &pat.ty,
                    "unsupported parameter: #[every] functions take no parameters, or any number of `periodic::State<S>` parameters, provided at start with `periodic::configure().state(value)`",
                )),
            },
        }
    }
    let (value, error) = match &sig.output {
        ReturnType::Default => (syn::parse_quote!(()), None),
        ReturnType::Type(_, ty) => match result_types(ty) {
            Some((ok, err)) => (ok.clone(), err.cloned()),
            None => ((**ty).clone(), None),
        },
    };
    let value = if sig.generics.params.is_empty() {
        value
    } else {
        // The rejected function's value type may name its generic parameters, which the
        // handle cannot: the handle gets `()`, so that its uses add no errors.
        syn::parse_quote!(())
    };
    let method = matches!(sig.inputs.first(), Some(FnArg::Receiver(_)));
    Shape {
        states,
        value,
        error,
        method,
        callable,
    }
}

/// `S` for a type spelled `State<S>` or `path::State<S>`.
fn state_type(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "State" {
        return None;
    }
    single_type_arg(&last.arguments)
}

/// The type arguments `T` and `E` of a return type spelled `Result<T, E>`, or `T` alone for an
/// alias like `io::Result<T>` / `anyhow::Result<T>`.
fn result_types(ty: &Type) -> Option<(&Type, Option<&Type>)> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    Some((types.next()?, types.next()))
}

fn single_type_arg(args: &PathArguments) -> Option<&Type> {
    let PathArguments::AngleBracketed(args) = args else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(t)) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

fn is_cfg(attr: &Attribute) -> bool {
    attr.path().is_ident("cfg")
}

fn is_doc(attr: &Attribute) -> bool {
    attr.path().is_ident("doc")
}

fn is_deprecated(attr: &Attribute) -> bool {
    attr.path().is_ident("deprecated")
}

fn is_must_use(attr: &Attribute) -> bool {
    attr.path().is_ident("must_use")
}

/// Expands `#[every(args)] fn …`. On an argument error the function and its handle are still
/// generated (with default settings) so that one mistake does not cascade into errors at every
/// use of the job; the errors are appended.
pub(crate) fn every(args: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let err = syn::Error::new(
                first_span(&item),
                "#[every] applies to functions: `fn` or `async fn`, e.g. `#[every(5s)] async fn refresh() { … }`",
            );
            let mut out = item;
            out.extend(err.into_compile_error());
            return out;
        }
    };
    let (args, mut errors) = Args::parse(args);
    let shape = check(&func, &mut errors);
    let mut out = if shape.method {
        // Inside an `impl` block no handle can be emitted (no `static`s there): keep the method
        // as written so that its callers still compile, and report the one error.
        quote!(#func)
    } else {
        generate(&func, &args, &shape)
    };
    if let Err(e) = errors.into_result() {
        out.extend(e.into_compile_error());
    }
    out
}

fn first_span(item: &TokenStream) -> Span {
    item.clone()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span())
}

fn generate(func: &ItemFn, args: &Args, shape: &Shape) -> TokenStream {
    let krate = args.krate();
    let private = quote!(#krate::__private);
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = func;
    let ident = &sig.ident;
    let job_ty = format_ident!("__periodic_job_{}", ident);
    let value = &shape.value;
    let cfgs: Vec<_> = attrs.iter().filter(|a| is_cfg(a)).collect();
    let docs: Vec<_> = attrs.iter().filter(|a| is_doc(a)).collect();
    // `#[deprecated]` moves to the handle: every use of the job warns, its own expansion does not.
    let deprecated: Vec<_> = attrs.iter().filter(|a| is_deprecated(a)).collect();
    // `#[must_use]` goes on `func` too (with its message): it is how the function is called.
    let must_use: Vec<_> = attrs.iter().filter(|a| is_must_use(a)).collect();
    let inner_attrs: Vec<_> = attrs
        .iter()
        .filter(|a| !is_cfg(a) && !is_deprecated(a))
        .collect();

    // `func` keeps the original signature; the original function lives inside it, under its
    // own name, with its attributes.
    let arg_names: Vec<_> = (0..sig.inputs.len())
        .map(|i| format_ident!("__periodic_arg{}", i))
        .collect();
    let arg_types: Vec<_> = sig
        .inputs
        .iter()
        .map(|a| match a {
            FnArg::Typed(p) => {
                let ty = &p.ty;
                quote!(#ty)
            }
            FnArg::Receiver(r) => quote!(#r),
        })
        .collect();
    let output = &sig.output;
    let generics = &sig.generics;
    let where_clause = &sig.generics.where_clause;
    let asyncness = &sig.asyncness;
    let dot_await = asyncness.map(|_| quote!(.await));
    let inputs = &sig.inputs;
    let state_keys = shape.states.iter().map(|s| {
        quote!(#private::StateKey {
            type_id: ::core::any::TypeId::of::<#s>,
            type_name: ::core::any::type_name::<#s>,
        })
    });

    let name = args
        .name
        .as_ref()
        // `fn r#type` is the job `type`: the name the overrides and environment variables use.
        .map_or_else(|| ident.unraw().to_string(), |n| n.value());
    let period = duration_fn(args.period.as_ref(), &private);
    let initial_delay = duration_fn(args.initial_delay.as_ref(), &private);
    let offset = duration_fn(args.offset.as_ref().map(|(d, _)| d), &private);
    let timeout = match &args.timeout {
        Some(d) => {
            let f = duration_fn(Some(d), &private);
            quote!(::core::option::Option::Some(#f))
        }
        None => quote!(::core::option::Option::None),
    };
    let mode = match args.mode.map(|(m, _)| m) {
        Some(ModeArg::FixedRate) => quote!(#private::Mode::FixedRate),
        _ => quote!(#private::Mode::FixedDelay),
    };
    let on_error = match args.on_error.map(|(o, _)| o) {
        Some(OnErrorArg::Stop) => quote!(#private::OnError::Stop),
        _ => quote!(#private::OnError::Continue),
    };
    let jitter = args.jitter.map_or(0.0, |(j, _)| j);
    let autostart = args.autostart.as_ref().is_none_or(|b| b.value);
    let coordinated = args.coordinated.as_ref().is_some_and(|b| b.value);

    let init = if shape.callable {
        init_fn(&sig.ident, &sig.output, asyncness.is_some(), shape, &krate)
    } else {
        // The function was rejected: calling it could only add errors that follow from the
        // first one (wrong argument count, unknown types), so the timer is never built.
        quote!(|| ::core::panic!("rejected by #[every]"))
    };
    quote! {
        #(#cfgs)*
        #(#docs)*
        #(#deprecated)*
        #[allow(non_upper_case_globals, deprecated)]
        #vis static #ident: #job_ty = #job_ty(#private::Job::new(
            &#private::JobSpec {
                name: #name,
                module_path: ::core::module_path!(),
                file: ::core::file!(),
                line: ::core::line!(),
                period: #period,
                mode: #mode,
                initial_delay: #initial_delay,
                jitter: #jitter,
                on_error: #on_error,
                timeout: #timeout,
                autostart: #autostart,
                coordinated: #coordinated,
                offset: #offset,
                states: &[#(#state_keys),*],
            },
            #init,
        ));

        #(#cfgs)*
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        // The value type is a defaulted parameter, so that the generic `Deref` impl below never
        // names it: a `pub(crate) fn` may return a module-private type (plain Rust only warns,
        // `private_interfaces`), where `type Target = Timer<Private>` would be error E0446.
        #vis struct #job_ty<__PeriodicValue: 'static = #value>(#private::Job<__PeriodicValue>);

        #(#cfgs)*
        impl #job_ty {
            #(#docs)*
            /// Calls the function itself, with its original signature (the timer is not
            /// involved).
            #(#must_use)*
            #[allow(dead_code)]
            #vis #asyncness fn func #generics (&self, #(#arg_names: #arg_types),*) #output #where_clause {
                #(#inner_attrs)*
                #asyncness fn #ident #generics (#inputs) #output #where_clause #block
                #ident(#(#arg_names),*) #dot_await
            }
        }

        #(#cfgs)*
        impl<__PeriodicValue: ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync + 'static>
            ::core::ops::Deref for #job_ty<__PeriodicValue>
        {
            type Target = #private::Timer<__PeriodicValue>;
            fn deref(&self) -> &Self::Target {
                self.0.timer()
            }
        }

        #(#cfgs)*
        #[allow(deprecated)]
        const _: () = {
            #private::inventory::submit! {
                #private::Registration { job: &#ident.0 }
            }
        };
    }
}

/// A `fn() -> Duration` for a duration argument (zero when absent).
fn duration_fn(d: Option<&DurationArg>, private: &TokenStream) -> TokenStream {
    match d {
        Some(d) => {
            let expr = d.to_expr();
            quote!({
                fn __periodic_duration() -> #private::Duration { #expr }
                __periodic_duration
            })
        }
        None => quote!({
            fn __periodic_duration() -> #private::Duration { #private::Duration::ZERO }
            __periodic_duration
        }),
    }
}
