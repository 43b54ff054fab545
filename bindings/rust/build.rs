// Link flags for libgnnrec from the pkg-config program, as a C project
// would get them: `pkg-config --libs gnnrec`.  Set PKG_CONFIG_PATH to the
// directory of gnnrec.pc when the library is installed under a prefix, and
// PKG_CONFIG to use another pkg-config program.
use std::env;
use std::process::Command;

fn pkg_config(args: &[&str]) -> String {
    let program = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".to_string());
    let out = match Command::new(&program).args(args).output() {
        Ok(out) => out,
        Err(e) => panic!("cannot run {}: {} (install pkg-config)", program, e),
    };
    if !out.status.success() {
        panic!(
            "`{} {}` failed: {}\nInstall libgnnrec, or set PKG_CONFIG_PATH to the directory holding gnnrec.pc.",
            program,
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    String::from_utf8(out.stdout).expect("pkg-config printed non-UTF-8").trim().to_string()
}

fn main() {
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG");
    println!("cargo:rerun-if-changed=build.rs");
    for flag in pkg_config(&["--libs", "gnnrec"]).split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={}", dir);
        } else if let Some(lib) = flag.strip_prefix("-l") {
            println!("cargo:rustc-link-lib=dylib={}", lib);
        } else {
            println!("cargo:rustc-link-arg={}", flag);
        }
    }
    // The tests compare the run-time library's version with this one.
    println!("cargo:rustc-env=GNNREC_PKG_VERSION={}", pkg_config(&["--modversion", "gnnrec"]));
}
