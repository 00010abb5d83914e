//! Typed column handles and filter expressions (`User::USERNAME.eq("ada")`).
//!
//! An expression is tied to its model by type, so a filter on `Post` cannot be applied to a
//! query of `User`. Values are always bound, never inlined; identifiers come pre-quoted per
//! dialect from the generated code.

use std::fmt;
use std::marker::PhantomData;
use std::ops;

use crate::backend::{Backend, Sql};
use crate::into_value::IntoValue;
use crate::key::Key;
use crate::placement::shards_of;
use crate::shard_key::{ShardKey, ShardMap};
use crate::value::{Args, Bind, Value};

/// A typed handle on one column of model `M` whose values are `T` (the non-null type, also
/// for nullable columns).
pub struct Column<M, T> {
    field: usize,
    name: &'static str,
    quoted: Sql,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Column<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, T> Copy for Column<M, T> {}

impl<M, T> fmt::Debug for Column<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Column({})", self.name)
    }
}

type Param = Box<dyn Bind + 'static>;

/// A set of relation keys, bound as one array on PostgreSQL and one value per key elsewhere.
trait KeySet: Send + Sync {
    fn len(&self) -> usize;
    fn bind_one(&self, i: usize, args: &mut Args);
    fn bind_array(&self, args: &mut Args);
    fn shards(&self, map: &ShardMap) -> Vec<usize>;
}

impl<K: Key> KeySet for Vec<K> {
    fn len(&self) -> usize {
        Vec::len(self)
    }

    fn bind_one(&self, i: usize, args: &mut Args) {
        args.add(&self[i]);
    }

    fn bind_array(&self, args: &mut Args) {
        let keys: Vec<&K> = self.iter().collect();
        K::bind_array(&keys, args);
    }

    fn shards(&self, map: &ShardMap) -> Vec<usize> {
        shards_of(map, self.iter().map(ShardKey::shard_key_value))
    }
}

enum Node {
    Compare(Sql, &'static str, Param),
    In(Sql, Vec<Param>, bool),
    Keys(Sql, Box<dyn KeySet>, bool),
    Null(Sql, bool),
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    Not(Box<Node>),
}

/// A boolean condition on rows of model `M`.
pub struct Expr<M> {
    node: Node,
    _marker: PhantomData<fn() -> M>,
}

impl<M> fmt::Debug for Expr<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sql = String::new();
        self.node
            .render(Backend::Postgres, &mut sql, &mut 0, &mut None);
        write!(f, "Expr({sql})")
    }
}

/// A sort key on model `M`.
#[derive(Debug)]
pub struct Order<M> {
    field: usize,
    column: Sql,
    descending: bool,
    _marker: PhantomData<fn() -> M>,
}

impl<M> Clone for Order<M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for Order<M> {}

impl<M, T> Column<M, T> {
    /// Used by generated code: the column of the model's field at position `field`, with its
    /// name quoted for each dialect.
    #[doc(hidden)]
    pub const fn new(field: usize, name: &'static str, quoted: Sql) -> Self {
        Column {
            field,
            name,
            quoted,
            _marker: PhantomData,
        }
    }

    /// The column name quoted for each dialect.
    #[doc(hidden)]
    pub fn quoted(&self) -> Sql {
        self.quoted
    }

    /// The column name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The position of the column's field in the model.
    pub(crate) fn field(&self) -> usize {
        self.field
    }

    fn expr(&self, node: Node) -> Expr<M> {
        Expr {
            node,
            _marker: PhantomData,
        }
    }

    /// `column IS NULL`.
    pub fn is_null(&self) -> Expr<M> {
        self.expr(Node::Null(self.quoted, true))
    }

    /// `column IS NOT NULL`.
    pub fn is_not_null(&self) -> Expr<M> {
        self.expr(Node::Null(self.quoted, false))
    }

    /// `column IN keys` (or `NOT IN`), for keys computed at run time in another database
    /// (`where_has`). PostgreSQL binds one array, so any number of keys fits; SQLite and MariaDB
    /// bind one value per key, and a set over their limit fails the statement with a clear error.
    #[doc(hidden)]
    pub fn in_keys(&self, keys: Vec<T>, negated: bool) -> Expr<M>
    where
        T: Key,
    {
        self.expr(Node::Keys(self.quoted, Box::new(keys), negated))
    }

    /// Ascending order on this column.
    pub fn asc(&self) -> Order<M> {
        Order {
            field: self.field,
            column: self.quoted,
            descending: false,
            _marker: PhantomData,
        }
    }

    /// Descending order on this column.
    pub fn desc(&self) -> Order<M> {
        Order {
            descending: true,
            ..self.asc()
        }
    }
}

macro_rules! comparisons {
    ($($(#[$doc:meta])* $name:ident => $op:literal),* $(,)?) => {
        impl<M, T: Value + 'static> Column<M, T> {
            $(
                $(#[$doc])*
                pub fn $name(&self, value: impl IntoValue<T>) -> Expr<M> {
                    self.expr(Node::Compare(self.quoted, $op, Box::new(value.into_value())))
                }
            )*

            /// `column IN (values...)`; an empty list matches nothing.
            #[doc(alias = "in")]
            pub fn is_in<V: IntoValue<T>>(&self, values: impl IntoIterator<Item = V>) -> Expr<M> {
                let values = values
                    .into_iter()
                    .map(|v| Box::new(v.into_value()) as Param)
                    .collect();
                self.expr(Node::In(self.quoted, values, false))
            }

            /// `column NOT IN (values...)`; an empty list matches everything.
            pub fn not_in<V: IntoValue<T>>(&self, values: impl IntoIterator<Item = V>) -> Expr<M> {
                let values = values
                    .into_iter()
                    .map(|v| Box::new(v.into_value()) as Param)
                    .collect();
                self.expr(Node::In(self.quoted, values, true))
            }
        }
    };
}

comparisons! {
    /// `column = value`.
    eq => " = ",
    /// `column <> value`.
    ne => " <> ",
    /// `column < value`.
    lt => " < ",
    /// `column <= value`.
    le => " <= ",
    /// `column > value`.
    gt => " > ",
    /// `column >= value`.
    ge => " >= ",
}

impl<M> Column<M, String> {
    /// `column LIKE pattern` (`%` any run, `_` one character). Case sensitivity follows the
    /// database: case-sensitive on PostgreSQL, case-insensitive for ASCII on SQLite and with
    /// MySQL's default collations.
    pub fn like(&self, pattern: impl Into<String>) -> Expr<M> {
        self.expr(Node::Compare(
            self.quoted,
            " LIKE ",
            Box::new(pattern.into()),
        ))
    }
}

impl<M> Expr<M> {
    /// Both conditions.
    pub fn and(self, other: Expr<M>) -> Expr<M> {
        Expr {
            node: Node::And(Box::new(self.node), Box::new(other.node)),
            _marker: PhantomData,
        }
    }

    /// Either condition.
    pub fn or(self, other: Expr<M>) -> Expr<M> {
        Expr {
            node: Node::Or(Box::new(self.node), Box::new(other.node)),
            _marker: PhantomData,
        }
    }

    /// The negated condition (`NOT`). SQL's three-valued logic applies: `NOT (x = 1)` does
    /// not match rows where `x` is NULL.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Expr<M> {
        Expr {
            node: Node::Not(Box::new(self.node)),
            _marker: PhantomData,
        }
    }

    /// The shards this condition restricts the shard key `column` to under `map` (`None`: it
    /// does not restrict it). `column = v`, `column IN (...)` and the conjunctions and
    /// disjunctions of such conditions pin; anything else, negations included, does not.
    pub(crate) fn pinned(&self, map: &ShardMap, column: Sql) -> Option<Vec<usize>> {
        self.node.pins(map, column.sqlite)
    }

    /// Append this condition's SQL to `sql`, binding its values into `args`.
    pub(crate) fn render(&self, backend: Backend, sql: &mut String, args: &mut Args) {
        let mut n = args.len();
        let mut sink = Some(args);
        self.node.render(backend, sql, &mut n, &mut sink);
    }
}

/// `<primary key> = key`.
pub(crate) fn key_eq<M: crate::model::Model>(key: M::Key) -> Expr<M> {
    Expr {
        node: Node::Compare(M::KEY, " = ", Box::new(key)),
        _marker: PhantomData,
    }
}

impl<M> ops::BitAnd for Expr<M> {
    type Output = Expr<M>;
    fn bitand(self, rhs: Expr<M>) -> Expr<M> {
        self.and(rhs)
    }
}

impl<M> ops::BitOr for Expr<M> {
    type Output = Expr<M>;
    fn bitor(self, rhs: Expr<M>) -> Expr<M> {
        self.or(rhs)
    }
}

impl<M> ops::Not for Expr<M> {
    type Output = Expr<M>;
    fn not(self) -> Expr<M> {
        Expr::not(self)
    }
}

impl Node {
    fn pins(&self, map: &ShardMap, column: &str) -> Option<Vec<usize>> {
        match self {
            Node::Compare(c, " = ", value) if c.sqlite == column => {
                Some(shards_of(map, [value.as_shard_key()?]))
            }
            Node::In(c, values, false) if c.sqlite == column => {
                let keys = values.iter().map(|v| v.as_shard_key());
                Some(shards_of(map, keys.collect::<Option<Vec<_>>>()?))
            }
            Node::Keys(c, keys, false) if c.sqlite == column => Some(keys.shards(map)),
            Node::And(a, b) => match (a.pins(map, column), b.pins(map, column)) {
                (Some(a), Some(b)) => Some(a.into_iter().filter(|s| b.contains(s)).collect()),
                (pinned, None) | (None, pinned) => pinned,
            },
            Node::Or(a, b) => {
                let mut shards = a.pins(map, column)?;
                shards.extend(b.pins(map, column)?);
                shards.sort_unstable();
                shards.dedup();
                Some(shards)
            }
            _ => None,
        }
    }

    /// `bound` counts placeholders so far; `args` is `None` when only the text is wanted.
    fn render(
        &self,
        backend: Backend,
        sql: &mut String,
        bound: &mut usize,
        args: &mut Option<&mut Args>,
    ) {
        let mut param = |sql: &mut String, value: &Param| {
            *bound += 1;
            backend.placeholder(sql, *bound);
            if let Some(args) = args {
                args.add(value.as_ref());
            }
        };
        match self {
            Node::Compare(column, op, value) => {
                sql.push_str(column.get(backend));
                sql.push_str(op);
                param(sql, value);
            }
            Node::In(_, values, negated) if values.is_empty() => {
                sql.push_str(if *negated { "1 = 1" } else { "1 = 0" });
            }
            Node::In(column, values, negated) => {
                sql.push_str(column.get(backend));
                sql.push_str(if *negated { " NOT IN (" } else { " IN (" });
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    param(sql, value);
                }
                sql.push(')');
            }
            Node::Keys(_, keys, negated) if keys.len() == 0 => {
                sql.push_str(if *negated { "1 = 1" } else { "1 = 0" });
            }
            Node::Keys(column, keys, negated) if backend == Backend::Postgres => {
                sql.push_str(if *negated { "NOT (" } else { "(" });
                sql.push_str(column.get(backend));
                sql.push_str(" = ANY(");
                *bound += 1;
                backend.placeholder(sql, *bound);
                sql.push_str("))");
                if let Some(args) = args {
                    keys.bind_array(args);
                }
            }
            Node::Keys(column, keys, negated) => {
                sql.push_str(column.get(backend));
                sql.push_str(if *negated { " NOT IN (" } else { " IN (" });
                for i in 0..keys.len() {
                    sql.push_str(if i == 0 { "?" } else { ", ?" });
                    *bound += 1;
                    if let Some(args) = args {
                        keys.bind_one(i, args);
                    }
                }
                sql.push(')');
                if let Some(args) = args
                    && *bound > backend.max_binds()
                    && args.error.is_none()
                {
                    args.error = Some(
                        format!(
                            "switchyard: a key filter of {} keys exceeds {backend}'s limit of {} \
                             bound values per statement; narrow the related filter",
                            keys.len(),
                            backend.max_binds()
                        )
                        .into(),
                    );
                }
            }
            Node::Null(column, is_null) => {
                sql.push_str(column.get(backend));
                sql.push_str(if *is_null { " IS NULL" } else { " IS NOT NULL" });
            }
            Node::And(a, b) | Node::Or(a, b) => {
                let op = if matches!(self, Node::And(..)) {
                    " AND "
                } else {
                    " OR "
                };
                sql.push('(');
                a.render(backend, sql, bound, args);
                sql.push_str(op);
                b.render(backend, sql, bound, args);
                sql.push(')');
            }
            Node::Not(inner) => {
                sql.push_str("NOT (");
                inner.render(backend, sql, bound, args);
                sql.push(')');
            }
        }
    }
}

impl<M> Order<M> {
    /// The position of the sorted field in the model.
    pub(crate) fn field(&self) -> usize {
        self.field
    }

    /// The sorted column, quoted for each dialect.
    pub(crate) fn quoted(&self) -> Sql {
        self.column
    }

    /// Whether the order is descending.
    pub(crate) fn is_descending(&self) -> bool {
        self.descending
    }

    /// Compare two rows as `backend` orders them: by the field, NULL first on SQLite and
    /// MySQL and last on PostgreSQL (ascending), reversed for `desc`; `None` for a field that
    /// cannot be compared in memory.
    pub(crate) fn compare(&self, backend: Backend, a: &M, b: &M) -> Option<std::cmp::Ordering>
    where
        M: crate::model::Model,
    {
        let ascending = a.compare(b, self.field, backend == Backend::Postgres)?;
        Some(if self.descending {
            ascending.reverse()
        } else {
            ascending
        })
    }

    pub(crate) fn render(&self, backend: Backend, sql: &mut String) {
        sql.push_str(self.column.get(backend));
        sql.push_str(if self.descending { " DESC" } else { " ASC" });
    }
}
