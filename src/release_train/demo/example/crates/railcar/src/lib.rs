pub fn version() -> &'static str {
    railcar_core::VERSION
}

pub fn describe() -> String {
    format!("{} ({})", railcar_util::tag(), coupler_frontend::name())
}
