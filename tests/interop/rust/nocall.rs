// Uses smallvec but never SmallVec::insert_many.
use smallvec::SmallVec;

fn main() {
    let mut v: SmallVec<[u8; 4]> = SmallVec::new();
    for i in 0..std::env::args().count() as u8 {
        v.push(i);
    }
    println!("{:?}", v);
}
