// wasi-threads test program (Zig std.Thread): a mutex and a condition
// variable on wait/notify, ping-pong between two threads, then a kernel
// split over two threads. Prints the same natively.
const std = @import("std");
const builtin = @import("builtin");

pub const panic = std.debug.simple_panic;

// A futex-style wait/notify: wasm's memory.atomic.wait32/notify on
// wasi-threads, yielding spins natively.
fn futexWait(ptr: *std.atomic.Value(u32), expected: u32) void {
    if (builtin.os.tag == .wasi) {
        _ = asm volatile (
            \\ local.get %[ptr]
            \\ local.get %[expected]
            \\ i64.const -1
            \\ memory.atomic.wait32 0
            \\ local.set %[ret]
            : [ret] "=r" (-> u32),
            : [ptr] "r" (&ptr.raw),
              [expected] "r" (expected),
        );
    } else {
        if (ptr.load(.seq_cst) == expected) std.Thread.yield() catch {};
    }
}
fn notify(ptr: *std.atomic.Value(u32)) void {
    if (builtin.os.tag == .wasi) {
        _ = asm volatile (
            \\ local.get %[ptr]
            \\ i32.const -1
            \\ memory.atomic.notify 0
            \\ local.set %[ret]
            : [ret] "=r" (-> u32),
            : [ptr] "r" (&ptr.raw),
        );
    }
}

// A mutex on wait/notify (0 free, 1 held, 2 held with waiters).
const Mutex = struct {
    state: std.atomic.Value(u32) = std.atomic.Value(u32).init(0),
    fn lock(m: *Mutex) void {
        if (m.state.cmpxchgStrong(0, 1, .acquire, .monotonic) == null) return;
        while (m.state.swap(2, .acquire) != 0) futexWait(&m.state, 2);
    }
    fn unlock(m: *Mutex) void {
        if (m.state.swap(0, .release) == 2) notify(&m.state);
    }
};

// A condition variable: a sequence number to wait on.
const Cond = struct {
    seq: std.atomic.Value(u32) = std.atomic.Value(u32).init(0),
    fn wait(c: *Cond, m: *Mutex) void {
        const s = c.seq.load(.seq_cst);
        m.unlock();
        futexWait(&c.seq, s);
        m.lock();
    }
    fn broadcast(c: *Cond) void {
        _ = c.seq.fetchAdd(1, .seq_cst);
        notify(&c.seq);
    }
};

var mutex: Mutex = .{};
var cond: Cond = .{};
var turn: u32 = 0;
var hits = [_]u32{ 0, 0 };
const rounds = 20000;

fn player(me: u32) void {
    var i: u32 = 0;
    while (i < rounds) : (i += 1) {
        mutex.lock();
        while (turn != me) cond.wait(&mutex);
        hits[me] += 1;
        turn = 1 - me;
        cond.broadcast();
        mutex.unlock();
    }
}

// A parallel kernel: the sum of a function over a range, split in halves.
var partial = [_]u64{ 0, 0 };
fn kernel(half: u32, n: u64) void {
    var s: u64 = 0;
    var x: u64 = half * n / 2 + 1;
    const end = (half + 1) * n / 2 + 1;
    while (x < end) : (x += 1) {
        var v = x;
        var k: u32 = 0;
        while (k < 8) : (k += 1) v = (v *% 6364136223846793005 +% 1442695040888963407) >> 1;
        s +%= v % 1000003;
    }
    partial[half] = s;
}

fn out(s: []const u8) void {
    if (builtin.os.tag == .wasi) {
        const iov = [_]std.os.wasi.ciovec_t{.{ .base = s.ptr, .len = s.len }};
        var n: usize = 0;
        _ = std.os.wasi.fd_write(1, &iov, 1, &n);
    } else {
        _ = std.os.linux.write(1, s.ptr, s.len);
    }
}

var heap_buf: [1 << 20]u8 = undefined;

pub fn main() void {
    var fba = std.heap.FixedBufferAllocator.init(&heap_buf);
    const alloc = fba.threadSafeAllocator();
    const cfg: std.Thread.SpawnConfig = .{ .allocator = alloc, .stack_size = 1 << 16 };
    var buf: [160]u8 = undefined;

    const a = std.Thread.spawn(cfg, player, .{@as(u32, 0)}) catch @panic("spawn");
    const b = std.Thread.spawn(cfg, player, .{@as(u32, 1)}) catch @panic("spawn");
    a.join();
    b.join();
    out(std.fmt.bufPrint(&buf, "pingpong {d} {d}\n", .{ hits[0], hits[1] }) catch @panic("fmt"));

    const n: u64 = 40_000_000;
    const k0 = std.Thread.spawn(cfg, kernel, .{ @as(u32, 0), n }) catch @panic("spawn");
    const k1 = std.Thread.spawn(cfg, kernel, .{ @as(u32, 1), n }) catch @panic("spawn");
    k0.join();
    k1.join();
    out(std.fmt.bufPrint(&buf, "kernel {d}\n", .{partial[0] +% partial[1]}) catch @panic("fmt"));
}
