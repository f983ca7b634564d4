//! The builtin functions: `sum`, `min`, `max`, `ceil`, `floor`, and `count`, `power` and
//! `latency`, which the budgets stage computes.

use super::model::*;
use super::resolver::*;
use crate::diagnostic::{Diagnostic, Label, codes, did_you_mean};
use crate::units::Dim;
use fabric_syntax::Span;
use fabric_syntax::ast::{self, ExprKind};

impl Resolver<'_> {
    pub(super) fn call(&mut self, fi: usize, callee: &ast::Ident, args: &[ast::Expr], span: Span, depth: usize) -> Value {
        let file = self.files[fi].file;
        let arity = match callee.name.as_str() {
            "ceil" | "floor" | "count" | "power" => Some(1),
            "latency" => Some(2),
            "sum" | "min" | "max" => None,
            other => {
                let mut d =
                    Diagnostic::error(codes::E0201, format!("unknown function `{other}`"), Label::new(file, callee.span, "not a builtin"));
                d = match did_you_mean(other, BUILTINS.iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean `{s}`?")),
                    None => d.with_help(format!("the builtins are {}", BUILTINS.join(", "))),
                };
                self.error(d);
                return Value::Error;
            }
        };
        if let Some(n) = arity
            && args.len() != n
        {
            self.error(
                Diagnostic::error(
                    codes::E0305,
                    format!("`{}` takes {n} argument{}, found {}", callee.name, if n == 1 { "" } else { "s" }, args.len()),
                    Label::new(file, span, "wrong number of arguments"),
                )
                .with_help(signature(&callee.name)),
            );
            return Value::Error;
        }
        let values: Vec<Value> = args.iter().map(|a| self.eval(fi, a, depth + 1)).collect();
        if values.iter().any(|v| matches!(v, Value::Error)) {
            return Value::Error;
        }
        match callee.name.as_str() {
            "count" | "power" | "latency" => {
                for (v, a) in values.iter().zip(args) {
                    if !matches!(v, Value::Path(_) | Value::Symbol(_)) {
                        let described = v.describe(&self.program);
                        self.error(
                            Diagnostic::error(
                                codes::E0304,
                                format!("`{}` needs a path, found {described}", callee.name),
                                Label::new(file, a.span, "not a path"),
                            )
                            .with_help(signature(&callee.name)),
                        );
                        return Value::Error;
                    }
                    if let (Value::Symbol(name), ast::ExprKind::Path(p)) = (v, &a.kind) {
                        // A single name here is a site, link, fabric or service at the top level.
                        let path = PlantPath {
                            segments: vec![PathSegment { matcher: Matcher::Name(name.clone(), None), span: p.span }],
                            file,
                            span: p.span,
                        };
                        self.program.paths.push(path);
                    }
                }
                Value::Deferred(match callee.name.as_str() {
                    "count" => Dim::NONE,
                    "power" => Dim::POWER,
                    _ => Dim::TIME,
                })
            }
            "ceil" | "floor" => match &values[0] {
                Value::Number { value, dim } => {
                    Value::Number { value: if callee.name == "ceil" { value.ceil() } else { value.floor() }, dim: *dim }
                }
                Value::Deferred(dim) => Value::Deferred(*dim),
                other => {
                    let described = other.describe(&self.program);
                    self.error(
                        Diagnostic::error(
                            codes::E0304,
                            format!("`{}` needs a number, found {described}", callee.name),
                            Label::new(file, args[0].span, "not a number"),
                        )
                        .with_help(signature(&callee.name)),
                    );
                    Value::Error
                }
            },
            _ => {
                let items: Vec<(Value, Span)> = if let ([Value::List(list)], [arg]) = (values.as_slice(), args) {
                    let spans: Vec<Span> = match &arg.kind {
                        ExprKind::List(exprs) => exprs.iter().map(|e| e.span).collect(),
                        _ => vec![arg.span; list.len()],
                    };
                    list.iter().cloned().zip(spans).collect()
                } else {
                    values.into_iter().zip(args.iter().map(|a| a.span)).collect()
                };
                if items.is_empty() {
                    self.error(
                        Diagnostic::error(codes::E0305, format!("`{}` of nothing", callee.name), Label::new(file, span, "no values"))
                            .with_help(signature(&callee.name)),
                    );
                    return Value::Error;
                }
                let mut acc: Option<(Option<f64>, Dim, Span)> = None;
                for (v, s) in items {
                    let (x, d) = match v {
                        Value::Number { value, dim } => (Some(value), dim),
                        Value::Deferred(dim) => (None, dim),
                        other => {
                            let described = other.describe(&self.program);
                            self.error(
                                Diagnostic::error(
                                    codes::E0304,
                                    format!("`{}` needs numbers, found {described}", callee.name),
                                    Label::new(file, s, "not a number"),
                                )
                                .with_help(signature(&callee.name)),
                            );
                            return Value::Error;
                        }
                    };
                    acc = Some(match acc {
                        None => (x, d, s),
                        Some((_, d0, s0)) if d0 != d => {
                            self.error(
                                Diagnostic::error(
                                    codes::E0303,
                                    format!("`{}` of a {} and a {}", callee.name, d0.name(), d.name()),
                                    Label::new(file, s0, format!("this is a {}", d0.name())),
                                )
                                .with_label(Label::new(file, s, format!("this is a {}", d.name())))
                                .with_help(format!("`{}` needs values of one dimension", callee.name)),
                            );
                            return Value::Error;
                        }
                        Some((a, _, s0)) => {
                            let combined = match (a, x) {
                                (Some(a), Some(x)) => Some(match callee.name.as_str() {
                                    "sum" => a + x,
                                    "min" => a.min(x),
                                    _ => a.max(x),
                                }),
                                _ => None,
                            };
                            (combined, d, s0)
                        }
                    });
                }
                match acc {
                    Some((Some(value), dim, _)) => Value::Number { value, dim },
                    Some((None, dim, _)) => Value::Deferred(dim),
                    None => Value::Error,
                }
            }
        }
    }
}

/// The builtin functions of expressions.
pub const BUILTINS: &[&str] = &["sum", "min", "max", "ceil", "floor", "count", "power", "latency"];

/// A builtin's signature and what it computes, in Markdown.
pub fn signature(name: &str) -> String {
    match name {
        "count" => "`count(path)`: the number of instances the path matches".into(),
        "power" => "`power(path)`: the total IT power under the path".into(),
        "latency" => "`latency(a, b)`: the worst one-way latency between endpoints under `a` and under `b`".into(),
        "ceil" | "floor" => format!("`{name}(x)`: x rounded {}", if name == "ceil" { "up" } else { "down" }),
        _ => format!("`{name}(a, b, …)` or `{name}([a, b, …])`: values of one dimension"),
    }
}
