pub fn tag() -> &'static str {
    "railcar-util"
}
