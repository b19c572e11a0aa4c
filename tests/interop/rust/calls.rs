// Calls smallvec's SmallVec::insert_many (RUSTSEC-2021-0003 names it).
use smallvec::SmallVec;

fn main() {
    let mut v: SmallVec<[u8; 4]> = SmallVec::new();
    v.push(1);
    let n = std::env::args().count() as u8;
    v.insert_many(0, (0..n).map(|i| i * 2));
    println!("{:?}", v);
}
