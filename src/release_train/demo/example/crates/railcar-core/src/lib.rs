pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub fn util_tag() -> &'static str {
    railcar_util::tag()
}
