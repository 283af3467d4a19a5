fn main() {
    println!("railcar {}: {}", railcar::version(), railcar::describe());
}
