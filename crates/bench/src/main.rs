//! `bench`: the binary is thin; the runner lives in the `bench` library.

fn main() {
    std::process::exit(bench::run_from_env());
}
