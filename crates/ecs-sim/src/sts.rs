//! A minimal STS `AssumeRole` on the simulator's port, so assumed-role sessions — and their expiry — can be
//! tested offline with the real SDK credential providers.
//!
//! STS speaks the awsQuery protocol: a form-encoded `POST /` (`Action=AssumeRole&Version=2011-06-15&RoleArn=…`)
//! answered with XML. Only roles allowed with [`crate::SimHandle::allow_assume_role`] can be assumed; any other
//! gets `AccessDenied`, as from a trust policy that does not name the caller. The credentials issued last the
//! allowed lifetime in *real* time (SDK credential caches read the wall clock, not simulated time), and ECS
//! calls signed with expired ones are refused with `ExpiredTokenException`, as AWS does.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::wire::{EcsError, ErrorCode};

/// A session handed out by `AssumeRole`. Tests read these to prove the secrets never show up anywhere.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedCredentials {
    pub role_arn: String,
    pub session_name: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expires: SystemTime,
}

impl std::fmt::Debug for IssuedCredentials {
    /// Only the public parts: a test failure message must not be where a secret first leaks.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCredentials")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field("access_key_id", &self.access_key_id)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

/// Allowed roles and every session issued so far.
#[derive(Debug)]
pub(crate) struct Sts {
    account_id: String,
    /// Role ARN → how long its sessions last.
    allowed: HashMap<String, Duration>,
    issued: Vec<IssuedCredentials>,
    rng: StdRng,
}

impl Sts {
    pub(crate) fn new(account_id: &str, seed: u64) -> Self {
        Self {
            account_id: account_id.to_owned(),
            allowed: HashMap::new(),
            issued: Vec::new(),
            rng: StdRng::seed_from_u64(seed ^ 0x5775_a55e_57a5_0001),
        }
    }

    pub(crate) fn allow(&mut self, role_arn: &str, session_lifetime: Duration) {
        self.allowed.insert(role_arn.to_owned(), session_lifetime);
    }

    pub(crate) fn issued(&self) -> Vec<IssuedCredentials> {
        self.issued.clone()
    }

    /// Answers one STS request body.
    pub(crate) fn answer(&mut self, body: &[u8], request_id: &str) -> Response {
        let form = parse_form(body);
        let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
        if field("Action") != "AssumeRole" {
            return sts_error(
                StatusCode::BAD_REQUEST,
                "InvalidAction",
                &format!(
                    "Could not find operation {} for version {}; the simulator implements AssumeRole only",
                    field("Action"),
                    field("Version")
                ),
                request_id,
            );
        }
        let role_arn = field("RoleArn").to_owned();
        let session_name = field("RoleSessionName").to_owned();
        if role_arn.is_empty() || session_name.is_empty() {
            return sts_error(
                StatusCode::BAD_REQUEST,
                "ValidationError",
                "RoleArn and RoleSessionName are required",
                request_id,
            );
        }
        let Some(lifetime) = self.allowed.get(&role_arn).copied() else {
            let message = format!(
                "User: arn:aws:iam::{}:user/ecs-sim-caller is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                self.account_id
            );
            return sts_error(StatusCode::FORBIDDEN, "AccessDenied", &message, request_id);
        };
        let issued = IssuedCredentials {
            access_key_id: format!("ASIA{}", self.random_text(16, UPPER_ALNUM)),
            secret_access_key: self.random_text(40, MIXED_ALNUM),
            session_token: format!("IQoJsim{}", self.random_text(120, MIXED_ALNUM)),
            expires: SystemTime::now() + lifetime,
            role_arn,
            session_name,
        };
        let role_name = issued
            .role_arn
            .rsplit('/')
            .next()
            .unwrap_or("role")
            .to_owned();
        let body = format!(
            "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n\
             <AssumeRoleResult>\n\
             <AssumedRoleUser><AssumedRoleId>AROASIMULATOR:{session}</AssumedRoleId>\
             <Arn>arn:aws:sts::{account}:assumed-role/{role_name}/{session}</Arn></AssumedRoleUser>\n\
             <Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey>\
             <SessionToken>{token}</SessionToken><Expiration>{expiration}</Expiration></Credentials>\n\
             </AssumeRoleResult>\n\
             <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>\n\
             </AssumeRoleResponse>\n",
            session = xml_escape(&issued.session_name),
            account = self.account_id,
            role_name = xml_escape(&role_name),
            key = issued.access_key_id,
            secret = issued.secret_access_key,
            token = issued.session_token,
            expiration = rfc3339(issued.expires),
        );
        self.issued.push(issued);
        xml_response(StatusCode::OK, body)
    }

    /// `ExpiredTokenException` for an ECS call signed with a session this STS issued that has expired.
    pub(crate) fn check_ecs_call(&self, headers: &HeaderMap) -> Result<(), EcsError> {
        let Some(access_key_id) = signing_access_key(headers) else {
            return Ok(());
        };
        match self
            .issued
            .iter()
            .find(|issued| issued.access_key_id == access_key_id)
        {
            Some(issued) if SystemTime::now() >= issued.expires => Err(EcsError::new(
                ErrorCode::ExpiredToken,
                "The security token included in the request is expired",
            )),
            _ => Ok(()),
        }
    }

    fn random_text(&mut self, length: usize, alphabet: &[u8]) -> String {
        (0..length)
            .map(|_| char::from(alphabet[self.rng.random_range(0..alphabet.len())]))
            .collect()
    }
}

const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const MIXED_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A request for STS rather than ECS: a form body and no ECS `X-Amz-Target`.
pub(crate) fn is_sts_request(headers: &HeaderMap) -> bool {
    !headers.contains_key("x-amz-target")
        && headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"))
}

/// The access key id of a SigV4 `Authorization` header (`… Credential=<key>/<date>/<region>/<service>/…`).
fn signing_access_key(headers: &HeaderMap) -> Option<&str> {
    let authorization = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let credential = authorization.split("Credential=").nth(1)?;
    credential.split('/').next()
}

fn parse_form(body: &[u8]) -> HashMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((percent_decode(name)?, percent_decode(value)?))
        })
        .collect()
}

/// `application/x-www-form-urlencoded` decoding; `None` for a malformed escape.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'+' => decoded.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(index + 1..index + 3)?).ok()?;
                decoded.push(u8::from_str_radix(hex, 16).ok()?);
                index += 2;
            }
            other => decoded.push(other),
        }
        index += 1;
    }
    String::from_utf8(decoded).ok()
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn sts_error(status: StatusCode, code: &str, message: &str, request_id: &str) -> Response {
    let body = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n\
         <Error><Type>Sender</Type><Code>{code}</Code><Message>{}</Message></Error>\n\
         <RequestId>{request_id}</RequestId>\n\
         </ErrorResponse>\n",
        xml_escape(message)
    );
    xml_response(status, body)
}

fn xml_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    response
}

/// `2024-05-01T12:34:56Z`: the timestamp format of STS answers.
fn rfc3339(time: SystemTime) -> String {
    let seconds = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, second_of_day) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar (H. Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_of(response: Response) -> String {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let bytes = runtime
            .block_on(axum::body::to_bytes(response.into_body(), usize::MAX))
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    const ROLE: &str = "arn:aws:iam::123456789012:role/deployer";

    #[test]
    fn assumes_allowed_roles_only() {
        let mut sts = Sts::new("123456789012", 1);
        let request = format!(
            "Action=AssumeRole&Version=2011-06-15&RoleArn={}&RoleSessionName=ci",
            ROLE.replace(':', "%3A").replace('/', "%2F")
        );
        let denied = sts.answer(request.as_bytes(), "r1");
        assert_eq!(denied.status(), StatusCode::FORBIDDEN);
        let text = body_of(denied);
        assert!(
            text.contains("<Code>AccessDenied</Code>") && text.contains("sts:AssumeRole"),
            "{text}"
        );

        sts.allow(ROLE, Duration::from_secs(60));
        let granted = sts.answer(request.as_bytes(), "r2");
        assert_eq!(granted.status(), StatusCode::OK);
        let text = body_of(granted);
        let issued = sts.issued();
        assert_eq!(issued.len(), 1);
        assert!(text.contains(&issued[0].session_token), "{text}");
        assert!(issued[0].access_key_id.starts_with("ASIA"));
        assert_eq!(issued[0].session_name, "ci");
    }

    #[test]
    fn expired_sessions_are_refused_on_ecs_calls() {
        let mut sts = Sts::new("123456789012", 1);
        sts.allow(ROLE, Duration::ZERO);
        let request = format!("Action=AssumeRole&RoleArn={ROLE}&RoleSessionName=ci");
        sts.answer(request.as_bytes(), "r1");
        let key = sts.issued()[0].access_key_id.clone();
        let mut headers = HeaderMap::new();
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential={key}/20240501/us-east-1/ecs/aws4_request, SignedHeaders=host, Signature=00"
        );
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&authorization).unwrap(),
        );
        let refused = sts.check_ecs_call(&headers).unwrap_err();
        assert_eq!(refused.code, ErrorCode::ExpiredToken);
        // Keys it never issued (static test credentials) are not its business.
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=test/20240501/us-east-1/ecs/aws4_request",
            ),
        );
        assert!(sts.check_ecs_call(&headers).is_ok());
    }

    #[test]
    fn form_values_are_percent_decoded() {
        let form = parse_form(b"RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fx&Name=a+b&Bad=%zz");
        assert_eq!(form["RoleArn"], "arn:aws:iam::1:role/x");
        assert_eq!(form["Name"], "a b");
        assert!(!form.contains_key("Bad"));
    }

    #[test]
    fn expiration_is_rfc3339_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let leap_day = UNIX_EPOCH + Duration::from_secs(1_709_210_096);
        assert_eq!(rfc3339(leap_day), "2024-02-29T12:34:56Z");
    }

    #[test]
    fn debug_never_shows_the_secret_or_the_token() {
        let mut sts = Sts::new("123456789012", 2);
        sts.allow(ROLE, Duration::from_secs(60));
        sts.answer(
            format!("Action=AssumeRole&RoleArn={ROLE}&RoleSessionName=ci").as_bytes(),
            "r",
        );
        let issued = &sts.issued()[0];
        let printed = format!("{issued:?}");
        assert!(!printed.contains(&issued.secret_access_key));
        assert!(!printed.contains(&issued.session_token));
    }
}
