// sock_* on descriptors that are not sockets (ENOTSOCK) and on descriptors
// that are not open (EBADF). Prints what sock.c prints.
#![allow(dead_code)]
include!("check.rs");

fn main() {
    make_file(ROOT, "sock.file", "x");
    let file = open_at(ROOT, "sock.file", 0, R_FD_READ, 0).unwrap();
    let closed = open_at(ROOT, "sock.file", 0, R_FD_READ, 0).unwrap();
    unsafe {
        fd_close(closed);
        let mut byte = 0u8;
        let iov = [&mut byte as *mut u8 as usize, 1];
        let (mut n, mut roflags, mut accepted) = (0usize, 0u16, 0u32);
        t("sock_shutdown file", sock_shutdown(file, 1));
        t("sock_shutdown dir", sock_shutdown(ROOT, 2));
        t("sock_shutdown stdin", sock_shutdown(0, 3));
        t("sock_shutdown stdout", sock_shutdown(1, 2));
        t("sock_shutdown closed", sock_shutdown(closed, 1));
        t("sock_shutdown never opened", sock_shutdown(1000, 1));
        t("sock_accept dir", sock_accept(ROOT, 0, &mut accepted));
        t("sock_accept never opened", sock_accept(1000, 0, &mut accepted));
        t("sock_recv file", sock_recv(file, &iov, 1, 0, &mut n, &mut roflags));
        t("sock_recv never opened", sock_recv(1000, &iov, 1, 0, &mut n, &mut roflags));
        t("sock_send stdout", sock_send(1, &iov, 1, 0, &mut n));
        t("sock_send never opened", sock_send(1000, &iov, 1, 0, &mut n));
        fd_close(file);
    }
    t("unlink", unlink(ROOT, "sock.file"));
}
