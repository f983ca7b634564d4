//! The arithmetic of the language, once: operators and aggregates on known values. The
//! resolver folds constants with it (after checking dimensions and reporting what is wrong),
//! and the budgets stage folds [`super::Lowered`] conditions with it once their figures are
//! known. Nothing here reports: a value that cannot be computed is [`Value::Error`].

use super::model::{Aggregate, Value};
use crate::units::{Dim, approx_eq};
use fabric_syntax::ast::BinaryOp;

/// Whether `x op y` holds for a comparison operator, with quantities equal within
/// [`approx_eq`]'s tolerance; any other operator gives `false`.
pub fn compare(op: BinaryOp, x: f64, y: f64) -> bool {
    match op {
        BinaryOp::Eq => approx_eq(x, y),
        BinaryOp::Ne => !approx_eq(x, y),
        BinaryOp::Lt => x < y && !approx_eq(x, y),
        BinaryOp::Le => x <= y || approx_eq(x, y),
        BinaryOp::Gt => x > y && !approx_eq(x, y),
        BinaryOp::Ge => x >= y || approx_eq(x, y),
        _ => false,
    }
}

/// `a op b` on known values: numbers (dimensions as the resolver checked them), booleans
/// (`and`, `or`, `==`, `!=`), and equality of strings and names.
pub fn fold_binary(op: BinaryOp, a: &Value, b: &Value) -> Value {
    match (op, a, b) {
        (BinaryOp::And, Value::Bool(x), Value::Bool(y)) => Value::Bool(*x && *y),
        (BinaryOp::Or, Value::Bool(x), Value::Bool(y)) => Value::Bool(*x || *y),
        (BinaryOp::Eq | BinaryOp::Ne, Value::Bool(x), Value::Bool(y)) => Value::Bool((x == y) == (op == BinaryOp::Eq)),
        (BinaryOp::Eq | BinaryOp::Ne, Value::Str(x), Value::Str(y)) => Value::Bool((x == y) == (op == BinaryOp::Eq)),
        (BinaryOp::Eq | BinaryOp::Ne, Value::Symbol(x), Value::Symbol(y)) => Value::Bool((x == y) == (op == BinaryOp::Eq)),
        (op, Value::Number { value: x, dim: dx }, Value::Number { value: y, dim: dy }) => {
            let (x, y) = (*x, *y);
            match op {
                BinaryOp::Add => Value::Number { value: x + y, dim: *dx },
                BinaryOp::Sub => Value::Number { value: x - y, dim: *dx },
                BinaryOp::Mul => Value::Number { value: x * y, dim: dx.times(*dy) },
                BinaryOp::Div if y == 0.0 => Value::Error,
                BinaryOp::Div => Value::Number { value: x / y, dim: dx.per(*dy) },
                BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => Value::Bool(compare(op, x, y)),
                BinaryOp::And | BinaryOp::Or => Value::Error,
            }
        }
        _ => Value::Error,
    }
}

/// `-x` on a known number.
pub fn fold_neg(x: &Value) -> Value {
    match x {
        Value::Number { value, dim } => Value::Number { value: -value, dim: *dim },
        _ => Value::Error,
    }
}

/// `not x` on a known boolean.
pub fn fold_not(x: &Value) -> Value {
    match x {
        Value::Bool(b) => Value::Bool(!b),
        _ => Value::Error,
    }
}

/// An aggregate of known numbers: `ceil` and `floor` of one, `sum`, `min` and `max` of a
/// list or of several (in the first operand's dimension, which the resolver checked).
pub fn fold_aggregate(aggregate: Aggregate, values: &[Value]) -> Value {
    let items: &[Value] = match values {
        [Value::List(list)] => list,
        _ => values,
    };
    match aggregate {
        Aggregate::Ceil | Aggregate::Floor => match items {
            [Value::Number { value, dim }] => {
                Value::Number { value: if aggregate == Aggregate::Ceil { value.ceil() } else { value.floor() }, dim: *dim }
            }
            _ => Value::Error,
        },
        Aggregate::Sum | Aggregate::Min | Aggregate::Max => {
            let mut acc: Option<(f64, Dim)> = None;
            for v in items {
                let Value::Number { value: x, dim } = v else { return Value::Error };
                acc = Some(match acc {
                    None => (*x, *dim),
                    Some((a, d)) => match aggregate {
                        Aggregate::Sum => (a + x, d),
                        Aggregate::Min => (a.min(*x), d),
                        _ => (a.max(*x), d),
                    },
                });
            }
            acc.map_or(Value::Error, |(value, dim)| Value::Number { value, dim })
        }
    }
}
