//! Prints the IAM policy the watcher's calls need, as `docs/iam-policy.json` holds it:
//! `cargo run -p ecs-watcher --example iam_policy > docs/iam-policy.json`.

fn main() {
    print!("{}", ecs_watcher::iam::policy().to_json());
}
