//! `wait-for-ecs-deploy`: the binary is thin; everything it does lives in the `wait_for_ecs_deploy` library.

fn main() {
    std::process::exit(wait_for_ecs_deploy::run_from_env());
}
