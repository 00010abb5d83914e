//! What a comparison accepts for a column of type `T` ([`IntoValue`]): a value of `T` itself
//! (so an integer literal takes the column's type, `Dog::AGE.eq(3)` on an `i16` column), a
//! borrowed one, `&str` for strings, and the lossless widenings `Into` allowed before.

/// A value a comparison on a column of type `T` accepts (`eq`, `lt`, `is_in`, ...).
///
/// Implemented for `T` and `&T` for every field type, `&str`, `&String`, `Box<str>` and
/// `Cow<str>` for string columns, `&[u8]` for bytes, and the widenings without loss that a
/// plain `Into<T>` allowed (`i32` for an `i64` column, `f32` for an `f64` column, ...).
///
/// Literals need no suffix: `User::KARMA.eq(10)` on an `i32` column, `Dog::AGE.eq(3)` on an
/// `i16` column and `Visit::SEQ.eq(7)` on an `i64` column all compile, because an integer
/// literal takes the one integer type the column accepts (or `i32`, which every wider integer
/// column accepts; on an `f64` column, `1` is the `i32` 1, widened). For the same reason an
/// `i16` column accepts no other integer type, and an `f32` column no integer literal (no `i32`
/// converts to `f32` without loss).
pub trait IntoValue<T> {
    /// The value, as the column's type.
    fn into_value(self) -> T;
}

/// Each field type from itself and from a borrow of itself.
macro_rules! itself {
    ($($ty:ty),* $(,)?) => {$(
        impl IntoValue<$ty> for $ty {
            fn into_value(self) -> $ty {
                self
            }
        }

        impl IntoValue<$ty> for &$ty {
            fn into_value(self) -> $ty {
                self.clone()
            }
        }
    )*};
}

itself!(
    bool,
    i16,
    i32,
    i64,
    f32,
    f64,
    String,
    Vec<u8>,
    uuid::Uuid,
    chrono::NaiveDate,
    chrono::NaiveTime,
    chrono::DateTime<chrono::Utc>,
    serde_json::Value,
);

/// Conversions without loss into a wider column type (those `From` has). Never into `i16`
/// from another integer: a second candidate there would leave a bare integer literal's type
/// ambiguous.
macro_rules! widen {
    ($($from:ty => $to:ty),* $(,)?) => {$(
        impl IntoValue<$to> for $from {
            fn into_value(self) -> $to {
                <$to>::from(self)
            }
        }
    )*};
}

widen!(
    i8 => i32,
    u8 => i32,
    i16 => i32,
    u16 => i32,
    i8 => i64,
    u8 => i64,
    i16 => i64,
    u16 => i64,
    i32 => i64,
    u32 => i64,
    i8 => f32,
    u8 => f32,
    i16 => f32,
    u16 => f32,
    i8 => f64,
    u8 => f64,
    i16 => f64,
    u16 => f64,
    i32 => f64,
    u32 => f64,
    f32 => f64,
);

impl IntoValue<String> for &str {
    fn into_value(self) -> String {
        self.to_owned()
    }
}

impl IntoValue<String> for &&str {
    fn into_value(self) -> String {
        (*self).to_owned()
    }
}

impl IntoValue<String> for Box<str> {
    fn into_value(self) -> String {
        self.into()
    }
}

impl IntoValue<String> for std::borrow::Cow<'_, str> {
    fn into_value(self) -> String {
        self.into_owned()
    }
}

impl IntoValue<Vec<u8>> for &[u8] {
    fn into_value(self) -> Vec<u8> {
        self.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::IntoValue;

    fn column<T>(value: impl IntoValue<T>) -> T {
        value.into_value()
    }

    #[test]
    fn literals_take_the_columns_type() {
        let small: i16 = column(3);
        let medium: i32 = column(10);
        let large: i64 = column(7);
        let single: f32 = column(0.5);
        let double: f64 = column(1.5);
        assert_eq!((small, medium, large), (3, 10, 7));
        assert_eq!((single, double), (0.5, 1.5));
        let name: String = column("ada");
        let owned: String = column(String::from("bob"));
        let borrowed: String = column(&owned);
        assert_eq!((name.as_str(), borrowed.as_str()), ("ada", "bob"));
        let widened: i64 = column(5i32);
        let float: f64 = column(1);
        assert_eq!((widened, float), (5, 1.0));
    }
}
