//! Parsing and checking the arguments of `#[every(...)]`.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Ident, Lit, LitBool, LitStr, Token};

use crate::duration::{self, UNIT_HELP};

/// The keys `#[every]` accepts after the period.
const KEYS: &[&str] = &[
    "mode",
    "name",
    "initial_delay",
    "jitter",
    "on_error",
    "timeout",
    "autostart",
    "coordinated",
    "offset",
    "crate",
];

const DURATION_HELP: &str = "a duration: a literal with a unit (`5s`, `250ms`, `1.5s`, `1m30s`), \
     a string (\"1h 30m\"), or an expression of type `Duration`";

/// A duration argument: known at compile time, or an expression evaluated when the job's timer
/// is built.
pub(crate) enum DurationArg {
    Nanos(u128, Span),
    Expr(Box<Expr>),
}

impl DurationArg {
    /// An expression of type `core::time::Duration`, spanned at the user's tokens.
    pub(crate) fn to_expr(&self) -> TokenStream {
        match self {
            DurationArg::Nanos(nanos, span) => {
                // `duration_arg` made every `Nanos` at most `Duration::MAX`.
                let secs = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
                let sub = u32::try_from(nanos % 1_000_000_000).unwrap_or(0);
                quote_spanned!(*span=> ::core::time::Duration::new(#secs, #sub))
            }
            DurationArg::Expr(expr) => {
                let span = expr.span();
                quote_spanned!(span=> { let __periodic_duration: ::core::time::Duration = #expr; __periodic_duration })
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModeArg {
    FixedDelay,
    FixedRate,
}

#[derive(Clone, Copy)]
pub(crate) enum OnErrorArg {
    Continue,
    Stop,
}

/// The parsed arguments, each with the span of its tokens.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) period: Option<DurationArg>,
    pub(crate) mode: Option<(ModeArg, Span)>,
    pub(crate) name: Option<LitStr>,
    pub(crate) initial_delay: Option<DurationArg>,
    pub(crate) jitter: Option<(f64, Span)>,
    pub(crate) on_error: Option<(OnErrorArg, Span)>,
    pub(crate) timeout: Option<DurationArg>,
    pub(crate) autostart: Option<LitBool>,
    pub(crate) coordinated: Option<LitBool>,
    /// Shifts a coordinated job's slots from the epoch, with the span of the `offset` key.
    pub(crate) offset: Option<(DurationArg, Span)>,
    pub(crate) krate: Option<syn::Path>,
}

/// Collects errors so the user sees all of them at once.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, err: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(err),
            None => self.0 = Some(err),
        }
    }

    pub(crate) fn into_result(self) -> Result<(), syn::Error> {
        self.0.map_or(Ok(()), Err)
    }
}

impl Args {
    /// Parses the arguments, recovering after a bad value so that every mistake is reported.
    /// Returns what could be parsed, and the errors.
    pub(crate) fn parse(tokens: TokenStream) -> (Args, Errors) {
        let mut args = Args::default();
        let mut errors = Errors::default();
        let parser = |input: ParseStream<'_>| {
            args.parse_into(input, &mut errors);
            Ok(())
        };
        if let Err(e) = syn::parse::Parser::parse2(parser, tokens) {
            errors.push(e);
        }
        args.check(&mut errors);
        (args, errors)
    }

    fn parse_into(&mut self, input: ParseStream<'_>, errors: &mut Errors) {
        if input.is_empty() {
            errors.push(syn::Error::new(
                Span::call_site(),
                format!("missing period: write e.g. `#[every(5s)]`; the period is {DURATION_HELP}"),
            ));
            return;
        }
        let keyed = |input: ParseStream<'_>| input.peek(Ident::peek_any) && input.peek2(Token![=]);
        if !keyed(input) {
            match input.parse::<Expr>() {
                Ok(expr) => match duration_arg(&expr, "the period") {
                    Ok(d) => self.period = Some(d),
                    Err(e) => errors.push(e),
                },
                Err(e) => {
                    errors.push(e);
                    return;
                }
            }
            if !separator(input, errors) {
                return;
            }
        } else {
            errors.push(syn::Error::new(
                input.span(),
                format!("missing period: the first argument must be the period, {DURATION_HELP}"),
            ));
        }
        while !input.is_empty() {
            let key = match input.call(Ident::parse_any) {
                Ok(key) => key,
                Err(_) => {
                    errors.push(
                        input.error(format!("expected `key = value`; keys: {}", keys_list())),
                    );
                    return;
                }
            };
            if let Err(e) = input.parse::<Token![=]>() {
                errors.push(syn::Error::new(
                    e.span(),
                    format!("expected `=` after `{key}`"),
                ));
                return;
            }
            let value: Expr = match input.parse() {
                Ok(v) => v,
                Err(e) => {
                    errors.push(e);
                    return;
                }
            };
            if let Err(e) = self.set(&key, value) {
                errors.push(e);
            }
            if !separator(input, errors) {
                return;
            }
        }
    }

    fn set(&mut self, key: &Ident, value: Expr) -> Result<(), syn::Error> {
        let name = key.to_string();
        let duplicate = || {
            syn::Error::new(
                key.span(),
                format!("duplicate argument `{name}`: give each argument once"),
            )
        };
        macro_rules! once {
            ($field:expr, $value:expr) => {{
                if $field.is_some() {
                    return Err(duplicate());
                }
                $field = Some($value);
            }};
        }
        match name.as_str() {
            "mode" => {
                let s = string(&value, "`mode` expects \"fixed_delay\" or \"fixed_rate\"")?;
                let mode = match s.value().as_str() {
                    "fixed_delay" => ModeArg::FixedDelay,
                    "fixed_rate" => ModeArg::FixedRate,
                    other => {
                        return Err(syn::Error::new_spanned(
                            &s,
                            format!(
                                "unknown mode \"{other}\": expected \"fixed_delay\" or \"fixed_rate\""
                            ),
                        ));
                    }
                };
                once!(self.mode, (mode, s.span()));
            }
            "name" => {
                let s = string(
                    &value,
                    "`name` expects a string, e.g. `name = \"db_refresh\"`",
                )?;
                if s.value().trim().is_empty() {
                    return Err(syn::Error::new_spanned(&s, "`name` must not be empty"));
                }
                once!(self.name, s);
            }
            "initial_delay" => once!(self.initial_delay, duration_arg(&value, "`initial_delay`")?),
            "offset" => once!(self.offset, (duration_arg(&value, "`offset`")?, key.span())),
            "timeout" => {
                let d = duration_arg(&value, "`timeout`")?;
                if let DurationArg::Nanos(0, span) = d {
                    return Err(syn::Error::new(span, "`timeout` must be greater than zero"));
                }
                once!(self.timeout, d);
            }
            "jitter" => {
                let (j, span) = float(
                    &value,
                    "`jitter` expects a number in [0, 1], e.g. `jitter = 0.1`",
                )?;
                if !(0.0..=1.0).contains(&j) {
                    return Err(syn::Error::new(
                        span,
                        format!(
                            "`jitter` must lie in [0, 1] (a fraction of the period: `0.1` moves each tick by up to ±10%), got {j}"
                        ),
                    ));
                }
                once!(self.jitter, (j, span));
            }
            "on_error" => {
                let s = string(&value, "`on_error` expects \"continue\" or \"stop\"")?;
                let v = match s.value().as_str() {
                    "continue" => OnErrorArg::Continue,
                    "stop" => OnErrorArg::Stop,
                    other => {
                        return Err(syn::Error::new_spanned(
                            &s,
                            format!(
                                "unknown on_error \"{other}\": expected \"continue\" or \"stop\""
                            ),
                        ));
                    }
                };
                once!(self.on_error, (v, s.span()));
            }
            "autostart" => once!(
                self.autostart,
                boolean(&value, "`autostart` expects `true` or `false`")?
            ),
            "coordinated" => {
                once!(
                    self.coordinated,
                    boolean(&value, "`coordinated` expects `true` or `false`")?
                )
            }
            "crate" => {
                let s = string(
                    &value,
                    "`crate` expects the path of the periodic crate as a string, e.g. `crate = \"my_reexport::periodic\"`",
                )?;
                let path: syn::Path = s.parse().map_err(|_| {
                    syn::Error::new_spanned(&s, format!("`{}` is not a path", s.value()))
                })?;
                once!(self.krate, path);
            }
            _ => {
                let hint = match nearest(&name) {
                    Some(k) => format!("did you mean `{k}`? "),
                    None => String::new(),
                };
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "unknown argument `{name}`: {hint}expected one of: {}",
                        keys_list()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Checks that depend on several arguments, and the period's value.
    fn check(&self, errors: &mut Errors) {
        if let Some(DurationArg::Nanos(0, span)) = &self.period {
            errors.push(syn::Error::new(
                *span,
                "the period must be greater than zero, e.g. `1s` or `250ms`",
            ));
        }
        if let Some((_, span)) = &self.offset
            && !self.coordinated.as_ref().is_some_and(|c| c.value)
        {
            errors.push(syn::Error::new(
                *span,
                "`offset` shifts the slots of a coordinated job; add `coordinated = true` (and `mode = \"fixed_rate\"`)",
            ));
        }
        if let Some(c) = &self.coordinated
            && c.value
        {
            match self.mode {
                Some((ModeArg::FixedRate, _)) => {}
                Some((ModeArg::FixedDelay, span)) => errors.push(syn::Error::new(
                    span,
                    "a coordinated job cannot run in fixed-delay mode: its slots are aligned to a fixed grid; use `mode = \"fixed_rate\"`",
                )),
                None => errors.push(syn::Error::new(
                    c.span(),
                    "a coordinated job needs `mode = \"fixed_rate\"` (the default mode is fixed-delay): its slots are aligned to a fixed grid",
                )),
            }
        }
    }

    /// The path of the `periodic` crate in generated code.
    pub(crate) fn krate(&self) -> TokenStream {
        match &self.krate {
            Some(path) => path.to_token_stream(),
            None => quote!(::periodic),
        }
    }
}

/// Consumes the `,` after an argument, unless the input ends. `false` after an error.
fn separator(input: ParseStream<'_>, errors: &mut Errors) -> bool {
    if input.is_empty() {
        return true;
    }
    match input.parse::<Token![,]>() {
        Ok(_) => true,
        Err(e) => {
            errors.push(e);
            false
        }
    }
}

fn keys_list() -> String {
    KEYS.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The valid key closest to `name` by edit distance, if it is close enough to be a typo.
fn nearest(name: &str) -> Option<&'static str> {
    KEYS.iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(2))
        .min()
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn lit(value: &Expr) -> Option<&Lit> {
    match value {
        Expr::Lit(ExprLit { lit, .. }) => Some(lit),
        Expr::Group(g) => lit(&g.expr),
        _ => None,
    }
}

fn string(value: &Expr, msg: &str) -> Result<LitStr, syn::Error> {
    match lit(value) {
        Some(Lit::Str(s)) => Ok(s.clone()),
        _ => Err(syn::Error::new_spanned(value, msg)),
    }
}

fn boolean(value: &Expr, msg: &str) -> Result<LitBool, syn::Error> {
    match lit(value) {
        Some(Lit::Bool(b)) => Ok(b.clone()),
        _ => Err(syn::Error::new_spanned(value, msg)),
    }
}

fn float(value: &Expr, msg: &str) -> Result<(f64, Span), syn::Error> {
    let parsed = match lit(value) {
        Some(Lit::Float(f)) if f.suffix().is_empty() => f.base10_parse::<f64>().ok(),
        Some(Lit::Int(i)) if i.suffix().is_empty() => i.base10_parse::<f64>().ok(),
        _ => None,
    };
    parsed
        .map(|f| (f, value.span()))
        .ok_or_else(|| syn::Error::new_spanned(value, msg))
}

/// A duration from a literal, a string, or any other expression (checked by the compiler to be
/// a `Duration`).
///
/// Every duration argument (the period, `initial_delay`, `timeout`, `offset`) comes through here,
/// so a literal beyond `Duration::MAX` is an error at the literal for each of them.
fn duration_arg(value: &Expr, what: &str) -> Result<DurationArg, syn::Error> {
    let at = |msg: String| syn::Error::new_spanned(value, format!("{what}: {msg}"));
    let nanos = match lit(value) {
        Some(Lit::Int(i)) => duration::parse_literal(i.base10_digits(), i.suffix()),
        Some(Lit::Float(f)) => duration::parse_literal(f.base10_digits(), f.suffix()),
        Some(Lit::Str(s)) => duration::parse_string(&s.value()),
        Some(_) => return Err(at(format!("expected {DURATION_HELP}; {UNIT_HELP}"))),
        None => return Ok(DurationArg::Expr(Box::new(value.clone()))),
    };
    match nanos {
        Ok(n) if n <= duration::MAX_NANOS => Ok(DurationArg::Nanos(n, value.span())),
        Ok(_) => Err(at(duration::TOO_LARGE.to_string())),
        Err(msg) => Err(at(msg)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_key_for_typos() {
        assert_eq!(nearest("mdoe"), Some("mode"));
        assert_eq!(nearest("jiter"), Some("jitter"));
        assert_eq!(nearest("intial_delay"), Some("initial_delay"));
        assert_eq!(nearest("zzzzzzzz"), None);
    }
}
