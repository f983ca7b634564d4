//! Evaluation of expressions: constants, plant paths, operators with their dimensions.

use super::fold::fold_binary;
use super::model::*;
use super::resolver::*;
use crate::diagnostic::{Diagnostic, Label, codes};
use crate::units::{Dim, parse_unit};
use fabric_syntax::Span;
use fabric_syntax::ast::{self, BinaryOp, ExprKind, Member, SegmentKind, UnaryOp};

impl Resolver<'_> {
    pub(super) fn const_value(&mut self, fi: FileIdx, mi: usize) -> Value {
        match self.consts.get(&(fi, mi)) {
            Some(ConstState::Done(v)) => return v.clone(),
            Some(ConstState::InProgress) => {
                let file = self.files[fi].file;
                let Member::Const(c) = &self.files[fi].parse.file.members[mi] else { return Value::Error };
                self.error(
                    Diagnostic::error(
                        codes::E0213,
                        format!("constant `{}` depends on itself", c.name.name),
                        Label::new(file, c.name.span, "defined in terms of itself"),
                    )
                    .with_help("give one constant in the cycle a value that does not refer back"),
                );
                return Value::Error;
            }
            None => {}
        }
        self.consts.insert((fi, mi), ConstState::InProgress);
        let Member::Const(c) = &self.files[fi].parse.file.members[mi] else { return Value::Error };
        let value = self.eval(fi, &c.value, 0);
        self.consts.insert((fi, mi), ConstState::Done(value.clone()));
        value
    }

    pub(super) fn eval_path(&mut self, fi: FileIdx, path: &ast::Path) -> Value {
        if let Some(ident) = path.as_name() {
            if let Some(symbol) = self.files[fi].scope.get(&ident.name).copied() {
                self.reference(fi, ident.span, symbol);
            }
            return match self.files[fi].scope.get(&ident.name).copied() {
                Some(Symbol::Const(cf, cm)) => self.const_value(cf, cm),
                Some(Symbol::Type(id)) => Value::Type(id),
                None => Value::Symbol(ident.name.clone()),
            };
        }
        // `nvidia.GB200_NVL72`: a name qualified by an imported module.
        if let [ast::Segment { kind: SegmentKind::Name(module, None), .. }, ast::Segment { kind: SegmentKind::Name(name, None), .. }] =
            path.segments.as_slice()
            && let Some(&mi) = self.files[fi].modules.get(&module.name)
        {
            if let Some((symbol, _)) = self.files[mi].own.get(&name.name).copied() {
                self.reference(fi, name.span, symbol);
            }
            return match self.files[mi].own.get(&name.name).copied() {
                Some((Symbol::Type(id), _)) => Value::Type(id),
                Some((Symbol::Const(cf, cm), _)) => self.const_value(cf, cm),
                None => {
                    let file = self.files[fi].file;
                    self.error(
                        Diagnostic::error(
                            codes::E0201,
                            format!("`{}` has no `{}`", module.name, name.name),
                            Label::new(file, name.span, "not in this module"),
                        )
                        .with_help("check the name against the module's contents"),
                    );
                    Value::Error
                }
            };
        }
        let file = self.files[fi].file;
        let mut segments = Vec::with_capacity(path.segments.len());
        for segment in &path.segments {
            let matcher = match &segment.kind {
                SegmentKind::Name(ident, None) => Matcher::Name(ident.name.clone(), None),
                SegmentKind::Name(ident, Some(index)) => {
                    let v = self.eval(fi, index, 0);
                    let i = self.whole_number(fi, v, index.span, "a path index");
                    match i {
                        Some(i) => Matcher::Name(ident.name.clone(), Some(i)),
                        None => return Value::Error,
                    }
                }
                SegmentKind::Range(ident, first, last) => {
                    let (a, b) = (self.eval(fi, first, 0), self.eval(fi, last, 0));
                    let a = self.whole_number(fi, a, first.span, "a path index");
                    let b = self.whole_number(fi, b, last.span, "a path index");
                    match (a, b) {
                        (Some(a), Some(b)) if a <= b => Matcher::Range(ident.name.clone(), a, b),
                        (Some(a), Some(b)) => {
                            self.error(
                                Diagnostic::error(
                                    codes::E0305,
                                    format!("the range `{}[{a}..{b}]` is empty", ident.name),
                                    Label::new(file, segment.span, "first index above the last"),
                                )
                                .with_help(format!("write the first index first: `{}[{b}..{a}]`", ident.name)),
                            );
                            return Value::Error;
                        }
                        _ => return Value::Error,
                    }
                }
                SegmentKind::Star => Matcher::Star,
                SegmentKind::DoubleStar => Matcher::DoubleStar,
            };
            segments.push(PathSegment { matcher, span: segment.span });
        }
        let path = PlantPath { segments, file, span: path.span };
        self.program.paths.push(path.clone());
        Value::Path(path)
    }

    /// Evaluates an expression; reports errors and returns [`Value::Error`] for them.
    pub(super) fn eval(&mut self, fi: FileIdx, expr: &ast::Expr, depth: usize) -> Value {
        let file = self.files[fi].file;
        if depth > 200 {
            self.error(
                Diagnostic::error(codes::E0305, "expression nested too deeply", Label::new(file, expr.span, "more than 200 levels"))
                    .with_help("split the expression with constants"),
            );
            return Value::Error;
        }
        match &expr.kind {
            ExprKind::Number { value, unit: None } => Value::Number { value: *value, dim: Dim::NONE },
            ExprKind::Number { value, unit: Some(unit) } => match parse_unit(&unit.name) {
                Ok(u) => Value::Number { value: value * u.factor, dim: u.dim },
                Err(e) => {
                    let start = unit.span.start + e.offset as u32;
                    let span = Span::new(start, start + e.symbol.len() as u32);
                    let mut d =
                        Diagnostic::error(codes::E0301, format!("unknown unit `{}`", e.symbol), Label::new(file, span, "not a unit"));
                    d = match e.suggestion {
                        Some(s) => d.with_help(format!("did you mean `{s}`? (units are case-sensitive)")).with_replacement(s),
                        None => d.with_help("`fabric explain E0301` lists every unit"),
                    };
                    self.error(d);
                    Value::Error
                }
            },
            ExprKind::Bool(b) => Value::Bool(*b),
            ExprKind::Str(s) => Value::Str(s.clone()),
            ExprKind::Path(path) => self.eval_path(fi, path),
            ExprKind::Paren(inner) => self.eval(fi, inner, depth + 1),
            ExprKind::List(items) => Value::List(items.iter().map(|e| self.eval(fi, e, depth + 1)).collect()),
            ExprKind::Error => Value::Error,
            ExprKind::Unary(op, inner) => {
                let v = self.eval(fi, inner, depth + 1);
                match (op, v) {
                    (_, Value::Error) => Value::Error,
                    (UnaryOp::Neg, Value::Number { value, dim }) => Value::Number { value: -value, dim },
                    (UnaryOp::Neg, Value::Deferred(dim, tree)) => Value::Deferred(dim, Box::new(Lowered::Neg(tree))),
                    (UnaryOp::Not, Value::Bool(b)) => Value::Bool(!b),
                    (UnaryOp::Not, Value::DeferredBool(tree)) => Value::DeferredBool(Box::new(Lowered::Not(tree))),
                    (op, other) => {
                        let (want, sym) = if *op == UnaryOp::Neg { ("a number", "-") } else { ("a boolean", "not") };
                        let described = other.describe(&self.program);
                        self.error(
                            Diagnostic::error(
                                codes::E0304,
                                format!("`{sym}` needs {want}, found {described}"),
                                Label::new(file, inner.span, format!("not {want}")),
                            )
                            .with_help(format!("apply `{sym}` to {want}")),
                        );
                        Value::Error
                    }
                }
            }
            ExprKind::Binary(op, lhs, rhs) => {
                let a = self.eval(fi, lhs, depth + 1);
                let b = self.eval(fi, rhs, depth + 1);
                self.binary(fi, *op, a, b, lhs, rhs)
            }
            ExprKind::Call(callee, args) => self.call(fi, callee, args, expr.span, depth),
        }
    }

    pub(super) fn binary(&mut self, fi: FileIdx, op: BinaryOp, a: Value, b: Value, lhs: &ast::Expr, rhs: &ast::Expr) -> Value {
        let file = self.files[fi].file;
        if matches!(a, Value::Error) || matches!(b, Value::Error) {
            return Value::Error;
        }
        let number = |v: &Value| match v {
            Value::Number { value, dim } => Some((Some(*value), *dim)),
            Value::Deferred(dim, _) => Some((None, *dim)),
            _ => None,
        };
        match op {
            BinaryOp::And | BinaryOp::Or => match (&a, &b) {
                (Value::Bool(x), Value::Bool(y)) => Value::Bool(if op == BinaryOp::And { *x && *y } else { *x || *y }),
                (Value::Bool(_) | Value::DeferredBool(_), Value::Bool(_) | Value::DeferredBool(_)) => {
                    Value::DeferredBool(Box::new(Lowered::Binary(op, Box::new(a.lowered()), Box::new(b.lowered()))))
                }
                _ => {
                    let (bad, span) = if matches!(a, Value::Bool(_) | Value::DeferredBool(_)) { (&b, rhs.span) } else { (&a, lhs.span) };
                    let described = bad.describe(&self.program);
                    self.error(
                        Diagnostic::error(
                            codes::E0304,
                            format!("`{}` needs booleans, found {described}", op.as_str()),
                            Label::new(file, span, "not a boolean"),
                        )
                        .with_help("combine comparisons, for example `a <= 1 ms and b <= 2 ms`"),
                    );
                    Value::Error
                }
            },
            _ => {
                let (Some((x, dx)), Some((y, dy))) = (number(&a), number(&b)) else {
                    if matches!(op, BinaryOp::Eq | BinaryOp::Ne) {
                        let same = match (&a, &b) {
                            (Value::Bool(p), Value::Bool(q)) => Some(p == q),
                            (Value::Str(p), Value::Str(q)) => Some(p == q),
                            (Value::Symbol(p), Value::Symbol(q)) => Some(p == q),
                            _ => None,
                        };
                        if let Some(same) = same {
                            return Value::Bool(same == (op == BinaryOp::Eq));
                        }
                    }
                    let (bad, span) = if number(&a).is_some() { (&b, rhs.span) } else { (&a, lhs.span) };
                    if let Value::Symbol(name) = bad {
                        let name = name.clone();
                        self.unknown_name(fi, &name, span, None);
                        return Value::Error;
                    }
                    let described = bad.describe(&self.program);
                    self.error(
                        Diagnostic::error(
                            codes::E0304,
                            format!("`{}` needs numbers, found {described}", op.as_str()),
                            Label::new(file, span, "not a number"),
                        )
                        .with_help("arithmetic and comparisons work on numbers and quantities"),
                    );
                    return Value::Error;
                };
                let additive = matches!(
                    op,
                    BinaryOp::Add | BinaryOp::Sub | BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
                );
                if additive && dx != dy {
                    let verb = match op {
                        BinaryOp::Add => format!("cannot add {} to {}", operand(lhs, dx), operand(rhs, dy)),
                        BinaryOp::Sub => format!("cannot subtract {} from {}", operand(rhs, dy), operand(lhs, dx)),
                        _ => format!("cannot compare {} with {}", operand(lhs, dx), operand(rhs, dy)),
                    };
                    self.error(
                        Diagnostic::error(codes::E0303, verb, Label::new(file, lhs.span, format!("this is a {}", dx.name())))
                            .with_label(Label::new(file, rhs.span, format!("this is a {}", dy.name())))
                            .with_help(format!("`{}` needs both sides in the same dimension", op.as_str())),
                    );
                    return Value::Error;
                }
                let dim = match op {
                    BinaryOp::Mul => dx.times(dy),
                    BinaryOp::Div => dx.per(dy),
                    _ => dx,
                };
                let (Some(_), Some(y)) = (x, y) else {
                    let tree = Box::new(Lowered::Binary(op, Box::new(a.lowered()), Box::new(b.lowered())));
                    return if additive && !matches!(op, BinaryOp::Add | BinaryOp::Sub) {
                        Value::DeferredBool(tree)
                    } else {
                        Value::Deferred(dim, tree)
                    };
                };
                if op == BinaryOp::Div && y == 0.0 {
                    self.error(
                        Diagnostic::error(codes::E0306, "division by zero", Label::new(file, rhs.span, "this is zero"))
                            .with_help("divide by a value that is not zero"),
                    );
                    return Value::Error;
                }
                fold_binary(op, &a, &b)
            }
        }
    }
}

/// An operand described with its dimension and the unit it is written in: `power (kW)`.
pub(super) fn operand(expr: &ast::Expr, dim: Dim) -> String {
    if dim.is_none() {
        return "a plain number".into();
    }
    format!("{} ({})", dim.name(), operand_unit(expr, dim))
}

pub(super) fn operand_unit(expr: &ast::Expr, dim: Dim) -> String {
    match &expr.kind {
        ExprKind::Number { unit: Some(u), .. } => u.name.clone(),
        ExprKind::Paren(inner) => operand_unit(inner, dim),
        _ => crate::schema::example_unit(dim),
    }
}

pub(super) fn example_factor(dim: Dim) -> f64 {
    crate::units::parse_unit(&crate::schema::example_unit(dim)).map_or(1.0, |u| u.factor)
}
