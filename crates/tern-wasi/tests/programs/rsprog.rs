// A Rust program for wasm32-wasip1, run both natively and under `tern run`
// with the same arguments (argv[1] is a directory it owns; argv[2] an exit
// status): what Rust's std needs from WASI preview1 — args, env, stdio,
// std::fs, time, sleep, randomness (HashMap seeds), process::exit.
use std::collections::HashMap;
use std::io::{BufRead, Read, Seek, SeekFrom, Write};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use std::{env, fs, process};

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    println!("args {:?}", &args[1..]);
    let mut vars: Vec<(String, String)> = env::vars().filter(|(k, _)| k.starts_with("TERN_")).collect();
    vars.sort();
    println!("vars {vars:?}");
    let dir = std::path::PathBuf::from(&args[0]);

    // std::fs
    let p = dir.join("data.txt");
    fs::write(&p, b"alpha\nbeta\ngamma\n").unwrap();
    println!("read_to_string {:?}", fs::read_to_string(&p).unwrap());
    let mut f = fs::OpenOptions::new().read(true).write(true).open(&p).unwrap();
    f.seek(SeekFrom::Start(6)).unwrap();
    let mut four = [0u8; 4];
    f.read_exact(&mut four).unwrap();
    println!("seek+read {:?}", std::str::from_utf8(&four).unwrap());
    f.seek(SeekFrom::End(0)).unwrap();
    f.write_all(b"delta\n").unwrap();
    f.set_len(12).unwrap();
    drop(f);
    let md = fs::metadata(&p).unwrap();
    println!("len {} file {} dir {}", md.len(), md.is_file(), md.is_dir());
    let lines: Vec<String> = std::io::BufReader::new(fs::File::open(&p).unwrap())
        .lines()
        .map(|l| l.unwrap())
        .collect();
    println!("lines {lines:?}");
    fs::create_dir_all(dir.join("a/b/c")).unwrap();
    fs::rename(&p, dir.join("a/b/moved.txt")).unwrap();
    fs::copy(dir.join("a/b/moved.txt"), dir.join("a/copy.txt")).unwrap();
    let mut names: Vec<String> = fs::read_dir(dir.join("a"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    println!("read_dir {names:?}");
    println!("missing: {:?}", fs::metadata(dir.join("nope")).map_err(|e| e.kind()).err());
    // (The error kind differs: Rust's std for WASI does not map ENOTEMPTY.)
    println!("remove non-empty fails: {}", fs::remove_dir(dir.join("a")).is_err());
    fs::remove_dir_all(dir.join("a")).unwrap();
    println!("after remove_dir_all: {}", fs::read_dir(&dir).unwrap().count());

    // time and sleep
    let t = Instant::now();
    std::thread::sleep(Duration::from_millis(30));
    println!("slept >= 30ms: {}", t.elapsed() >= Duration::from_millis(30));
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    println!("after 2020: {}", now.as_secs() > 1_577_836_800);

    // HashMap's random seed comes from random_get
    let mut m = HashMap::new();
    for i in 0..1000 {
        m.insert(i, i * i);
    }
    println!("hashmap sum {}", m.values().sum::<i32>());

    // stdin to stdout, stderr
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).unwrap();
    println!("stdin {:?}", input);
    eprintln!("to stderr");
    std::io::stdout().flush().unwrap();
    process::exit(args[1].parse().unwrap());
}
