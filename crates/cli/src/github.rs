//! GitHub Actions workflow commands for `--output github`: `::group::`/`::endgroup::` around the progress
//! and one `::error` annotation per service that did not complete.
//!
//! A workflow command is one line, `::name key=value,key=value::data`, so what we put in it must not end
//! the line or the part it is in. GitHub's runner decodes `%25`, `%0D` and `%0A` in the data, and also
//! `%3A` and `%2C` in property values, where a `:` would end the properties and a `,` the value: we encode
//! exactly those (the `%` first, so an encoded character is never encoded twice).

/// `text` as the data of a workflow command (after the second `::`): `%`, CR and LF encoded.
pub fn escape_data(text: &str) -> String {
    encode(text, |c| matches!(c, '%' | '\r' | '\n'))
}

/// `text` as a property value of a workflow command (`title=…`): `%`, CR, LF, `:` and `,` encoded.
pub fn escape_property(text: &str) -> String {
    encode(text, |c| matches!(c, '%' | '\r' | '\n' | ':' | ','))
}

fn encode(text: &str, must_encode: impl Fn(char) -> bool) -> String {
    let mut encoded = String::with_capacity(text.len());
    for c in text.chars() {
        if must_encode(c) {
            // Each such character is ASCII: one byte, two hex digits.
            encoded.push_str(&format!("%{:02X}", u32::from(c)));
        } else {
            encoded.push(c);
        }
    }
    encoded
}

/// `::error title=<title>::<message>`: an error annotation on the run page.
pub fn error(title: &str, message: &str) -> String {
    format!(
        "::error title={}::{}",
        escape_property(title),
        escape_data(message)
    )
}

/// `::group::<title>`: the lines after it fold under `title` in the job log, up to [`END_GROUP`].
pub fn group(title: &str) -> String {
    format!("::group::{}", escape_data(title))
}

pub const END_GROUP: &str = "::endgroup::";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_encodes_percent_and_line_breaks_and_keeps_colons() {
        assert_eq!(
            escape_data("100% failed\r\n::error::injected\nnext"),
            "100%25 failed%0D%0A::error::injected%0Anext"
        );
        assert_eq!(escape_data("already %0A encoded"), "already %250A encoded");
        assert_eq!(escape_data("plain, text: kept"), "plain, text: kept");
    }

    #[test]
    fn properties_also_encode_colons_and_commas() {
        assert_eq!(
            escape_property("arn:aws:ecs:us-east-1:123456789012:service/prod/web FAILED"),
            "arn%3Aaws%3Aecs%3Aus-east-1%3A123456789012%3Aservice/prod/web FAILED"
        );
        assert_eq!(escape_property("a,b\r\nc%d::e"), "a%2Cb%0D%0Ac%25d%3A%3Ae");
    }

    #[test]
    fn an_error_annotation_stays_one_line_whatever_the_message_holds() {
        let message =
            "essential container in task exited: 100% CPU\nthen ::warning::x and ::endgroup::";
        let line = error("web FAILED", message);
        assert_eq!(
            line,
            "::error title=web FAILED::essential container in task exited: 100%25 CPU%0Athen ::warning::x \
             and ::endgroup::"
        );
        assert!(!line.contains('\n') && !line.contains('\r'));
        // The title ends at the first `::`; the title's own colons cannot end it early.
        let line = error("svc:a,b ROLLED_BACK", "m");
        assert_eq!(line, "::error title=svc%3Aa%2Cb ROLLED_BACK::m");
    }

    #[test]
    fn a_group_title_is_data() {
        assert_eq!(
            group("wait for web\n::endgroup::"),
            "::group::wait for web%0A::endgroup::"
        );
    }
}
