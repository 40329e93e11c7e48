//! The shared `ecs_watcher::input` rules as `validate:` functions of the field tables, so the resource and the
//! provider configuration refuse a value with the same words as the CLI.

use ecs_watcher::input::InputError;

/// A rule's verdict as a `validate:` result: the error's text (it names field, value and what is valid).
pub fn reason<T>(checked: Result<T, InputError>) -> Result<(), String> {
    checked.map(drop).map_err(|error| error.to_string())
}

/// `rule` as the validator of a required text property.
pub fn required<T>(
    rule: fn(&str, &str) -> Result<T, InputError>,
) -> impl Fn(&str, &String) -> Result<(), String> {
    move |field, value| reason(rule(field, value))
}

/// `rule` as the validator of an optional text property: absent is fine, a present value must pass.
pub fn optional<T>(
    rule: fn(&str, &str) -> Result<T, InputError>,
) -> impl Fn(&str, &Option<String>) -> Result<(), String> {
    move |field, value| {
        value
            .as_deref()
            .map_or(Ok(()), |text| reason(rule(field, text)))
    }
}
