pub fn name() -> &'static str {
    "coupler"
}
