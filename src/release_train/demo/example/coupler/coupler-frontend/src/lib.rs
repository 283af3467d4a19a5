pub fn name() -> &'static str {
    coupler_core::name()
}
