fn main() {
    println!("placeholder until the desktop issue");
}
