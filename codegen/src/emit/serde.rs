//! serde on a model's structs (`serde = true`): the derives, and what makes a patch's absent
//! field differ from its `null`.
//!
//! Everything goes through the runtime's re-export, `::switchyard::serde`, so an app gets the
//! derives without a serde dependency of its own, and always the serde the runtime was built
//! with. Field names are the declared ones: serde strips `r#` from a keyword field (`r#type`
//! is `"type"`), and a field's `column` is only SQL.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Model, Schema};

/// The generated function that deserializes a patch field that is present, `null` included,
/// as `Some`.
const PRESENT: &str = "__switchyard_serde_present";

/// The derives and container attribute of a row or insert struct, when the model has serde.
pub(crate) fn derives(model: &Model) -> Option<TokenStream> {
    model.serde.then(|| {
        quote! {
            #[derive(::switchyard::serde::Serialize, ::switchyard::serde::Deserialize)]
            #[serde(crate = "::switchyard::serde")]
        }
    })
}

/// The derives of a patch struct: missing fields are `None` (the struct's `Default`), that is
/// "unchanged".
pub(crate) fn patch_derives(model: &Model) -> Option<TokenStream> {
    model.serde.then(|| {
        quote! {
            #[derive(::switchyard::serde::Serialize, ::switchyard::serde::Deserialize)]
            #[serde(crate = "::switchyard::serde", default)]
        }
    })
}

/// The attribute of one patch field: `None` is left out when serializing, and a present value
/// is `Some` when deserializing. For a nullable field, `null` is then `Some(None)` (set NULL),
/// not `None` (unchanged), which serde's own `Option` would make of it; for any other field,
/// `null` is an error rather than a silent "unchanged".
pub(crate) fn patch_field(model: &Model) -> Option<TokenStream> {
    model.serde.then(|| {
        quote! {
            #[serde(
                skip_serializing_if = "::std::option::Option::is_none",
                deserialize_with = #PRESENT
            )]
        }
    })
}

/// The function [`patch_field`] names, once per file when a model with serde has a patch
/// field (else nothing would call it, and it would be dead code).
pub(crate) fn helpers(schema: &Schema) -> Option<TokenStream> {
    let used = schema
        .models
        .values()
        .any(|model| model.serde && !crate::sql::update_fields(model).is_empty());
    if !used {
        return None;
    }
    let name = quote::format_ident!("{PRESENT}");
    Some(quote! {
        /// A patch field that is present, `null` included, is `Some`: the value to write.
        #[doc(hidden)]
        fn #name<'de, D, T>(
            deserializer: D,
        ) -> ::std::result::Result<::std::option::Option<T>, D::Error>
        where
            D: ::switchyard::serde::Deserializer<'de>,
            T: ::switchyard::serde::Deserialize<'de>,
        {
            <T as ::switchyard::serde::Deserialize<'de>>::deserialize(deserializer)
                .map(::std::option::Option::Some)
        }
    })
}

/// The sentence the docs of a row struct add when the model has serde.
pub(crate) fn row_doc(model: &Model) -> Option<String> {
    model.serde.then(|| {
        "Serializes and deserializes with serde (`serde = true`), its fields named as declared."
            .to_owned()
    })
}

/// The sentence the docs of a patch struct add when the model has serde.
pub(crate) fn patch_doc(model: &Model) -> Option<String> {
    model.serde.then(|| {
        "With serde, a field that is absent is `None` (left unchanged), and `null` sets a \
         nullable field to NULL (`Some(None)`); `null` for any other field is an error."
            .to_owned()
    })
}
