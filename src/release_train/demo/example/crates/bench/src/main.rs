fn main() {
    println!("{}", railcar::describe());
}
