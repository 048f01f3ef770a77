//! Inline validation of one field, the same validators as the headless commands.

use super::super::super::state::{Check, Field};
use super::refs;
use crate::domain::fields;

pub fn field_error(field: &Field) -> Option<String> {
    let v = field.value();
    let r = match field.check {
        Check::None => Ok(()),
        Check::Name => fields::connection_name(v),
        Check::KeyId => fields::key_id(v),
        Check::IssuerOptional if v.is_empty() => Ok(()),
        Check::IssuerOptional => fields::issuer_id(v),
        Check::AppleId => fields::apple_id(v),
        Check::Code if v.trim().starts_with("sms") => Ok(()),
        Check::Code => fields::two_factor_code(v.trim()),
        Check::AppSpecificPasswordOptional if v.is_empty() => Ok(()),
        Check::AppSpecificPasswordOptional => fields::app_specific_password(v),
        Check::NonEmpty if v.trim().is_empty() => Err(format!("{} is required", field.label)),
        Check::NonEmpty => Ok(()),
        Check::ReferenceOptional if v.trim().is_empty() => Ok(()),
        Check::Reference if v.trim().is_empty() => {
            Err(format!("{} is required: env:VAR or file:PATH", field.label))
        }
        Check::Reference | Check::ReferenceOptional => refs::parse_readable(v).map(|_| ()),
        Check::InputValue => {
            if v.is_empty()
                || v.starts_with('$')
                || field.values.is_empty()
                || field.values.iter().any(|x| x == v)
            {
                Ok(())
            } else {
                Err(format!(
                    "{} accepts {}",
                    field.label,
                    field.values.join(", ")
                ))
            }
        }
    };
    r.err()
}
